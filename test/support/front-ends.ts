import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isListening } from './http.js';
import type { Running } from './processes.js';
import { CLI, REPO_ROOT, startProcess } from './processes.js';
import { SERVICE_USER, WEB_USER, asUser, ensureServiceUser, giveDirectory, makeReachable, userIds } from './service-user.js';
import { freePort, waitFor } from './tools.js';

/** The web servers whose Debian packages the front-end tests run, and their commands. */
export const FRONT_END_COMMANDS = { apache: 'apache2', nginx: 'nginx' } as const;
export type FrontEndKind = keyof typeof FRONT_END_COMMANDS;
/** Every kind of {@link FRONT_END_COMMANDS}, in order. */
export const FRONT_END_KINDS: readonly FrontEndKind[] = ['apache', 'nginx'];

/** How to start a front end. */
export interface FrontEndOptions {
  /** The database of every AtomMQ behind it; default: SQLite files in its temporary directories. */
  readonly dsn?: string | undefined;
  /** Extra arguments of the `atommq serve --fastcgi` behind /bus; default `--socket-group www-data`. */
  readonly serveArgs?: readonly string[] | undefined;
  /** False: start no `atommq serve`; the caller serves `socketPath` itself (activation, 502 test). */
  readonly startServe?: boolean | undefined;
  /** Apache's ATOMMQ_HOME (where cgi-bin/mycoolfeed lives); default: this checkout. */
  readonly home?: string | undefined;
}

/**
 * A web server running its rendered example file (apache.conf.example or nginx.conf.example)
 * as root with its workers as www-data, and, behind /bus, `atommq serve --fastcgi` running as
 * the service user. Any test can start one, send requests (or open a stream) to
 * `http://127.0.0.1:{port}{prefix}`, and read the web server's error log.
 */
export interface FrontEnd {
  readonly kind: FrontEndKind;
  readonly port: number;
  /** The socket the example's /bus block connects to. */
  readonly socketPath: string;
  /** The `atommq serve` behind /bus, when this harness started it. */
  readonly serve: Running | undefined;
  /** The SQLite DSN of the `atommq serve` behind /bus. */
  readonly serveDsn: string;
  /** The web server's main process (it runs as root; its workers as www-data). */
  readonly serverPid: number;
  /** The scripts' state directory (owned by www-data): their database when none was given. */
  readonly stateDir: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** The directories of one front end: scripts' state (www-data), socket and serve's state (service user), logs. */
async function makeDirectories(): Promise<{ root: string; state: string; run: string; serve: string; logs: string }> {
  const web = userIds(WEB_USER);
  if (web === undefined) throw new Error(`there is no ${WEB_USER} user`);
  const service = ensureServiceUser();
  makeReachable(join(REPO_ROOT, 'cgi-bin', 'mycoolfeed'));
  makeReachable(join(REPO_ROOT, 'node_modules', '.package-lock.json'));
  const root = await mkdtemp(join(tmpdir(), 'atommq-front-'));
  await chmod(root, 0o755);
  const dirs = { root, state: join(root, 'state'), run: join(root, 'run'), serve: join(root, 'serve'), logs: join(root, 'logs') };
  for (const dir of [dirs.state, dirs.run, dirs.serve, dirs.logs]) await mkdir(dir, { mode: 0o755 });
  await mkdir(join(dirs.state, 'htdocs'));
  giveDirectory(dirs.state, web);
  giveDirectory(dirs.run, service);
  giveDirectory(dirs.serve, service);
  return dirs;
}

/** Resolves true when something accepts connections on the Unix socket `path`. */
export function isSocketListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `atommq serve --fastcgi SOCKET` as the service user and waits until it accepts. */
export async function startServeAsServiceUser(socketPath: string, dsn: string, args: readonly string[]): Promise<Running> {
  const [command = 'setpriv', ...argv] = asUser(SERVICE_USER, [process.execPath, CLI, 'serve', '--fastcgi', socketPath, '--dsn', dsn, ...args]);
  const serve = startProcess(command, argv);
  const exited = new Promise<never>((_, reject) => serve.child.once('exit', (code, signal) =>
    reject(new Error(`atommq serve exited (${signal ?? code}) before listening: ${serve.stderr()}`))));
  await Promise.race([waitFor(`atommq serve on ${socketPath}`, async () => existsSync(socketPath) && isSocketListening(socketPath)), exited]);
  exited.catch(() => undefined);
  return serve;
}

/** Renders an example: every stand-in path and the port replaced, nothing else touched. */
function render(example: string, replacements: ReadonlyArray<readonly [string | RegExp, string]>): string {
  let text = example;
  for (const [from, to] of replacements) text = typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
  return text;
}

/** Starts Debian's apache2 (or nginx) on its rendered example, with `atommq serve` behind /bus. */
export async function startFrontEnd(kind: FrontEndKind, options: FrontEndOptions = {}): Promise<FrontEnd> {
  const dirs = await makeDirectories();
  const port = await freePort();
  const socketPath = join(dirs.run, 'atommq.sock');
  const scriptDsn = options.dsn ?? `sqlite:${join(dirs.state, 'atommq.db')}`;
  const serveDsn = options.dsn ?? `sqlite:${join(dirs.serve, 'atommq.db')}`;
  const serve = options.startServe === false ? undefined : await startServeAsServiceUser(socketPath, serveDsn, options.serveArgs ?? ['--socket-group', WEB_USER]);
  const example = await readFile(join(REPO_ROOT, `${kind}.conf.example`), 'utf8');
  const errorLogPath = join(dirs.logs, `${kind}-error.log`);
  let server: Running;
  if (kind === 'apache') {
    const site = render(example, [
      [/^Define ATOMMQ_HOME .*$/m, `Define ATOMMQ_HOME "${options.home ?? REPO_ROOT}"`], [/^Define ATOMMQ_STATE .*$/m, `Define ATOMMQ_STATE ${dirs.state}`],
      [/^Define ATOMMQ_RUN .*$/m, `Define ATOMMQ_RUN ${dirs.run}`], [/^Define ATOMMQ_LOGS .*$/m, `Define ATOMMQ_LOGS ${dirs.logs}`],
      [/^Define ATOMMQ_PORT .*$/m, `Define ATOMMQ_PORT ${port}`],
      [`sqlite:\${ATOMMQ_STATE}/atommq.db`, scriptDsn],
    ]);
    await writeFile(join(dirs.root, 'atommq-site.conf'), site);
    await writeFile(join(dirs.root, 'apache2.conf'), apacheMain(dirs.root, dirs.logs, join(dirs.state, 'fcgid')));
    // In its own session: stopping, Apache signals its whole process group, which would
    // otherwise be the test runner's.
    server = startProcess('setsid', ['apache2', '-f', join(dirs.root, 'apache2.conf'), '-DFOREGROUND']);
  } else {
    const config = render(example, [
      ['/var/log/atommq', dirs.logs], ['/run/atommq', dirs.run], ['listen 127.0.0.1:8080;', `listen 127.0.0.1:${port};`],
    ]);
    await writeFile(join(dirs.root, 'nginx.conf'), config);
    server = startProcess('nginx', ['-c', join(dirs.root, 'nginx.conf'), '-e', errorLogPath, '-g', `daemon off; pid ${join(dirs.root, 'nginx.pid')};`]);
  }
  await waitFor(`${kind} on port ${port} (${server.stderr()})`, () => isListening(port));
  return {
    kind, port, socketPath, serve, serveDsn, serverPid: server.child.pid ?? 0, stateDir: dirs.state,
    errorLog: () => readFile(errorLogPath, 'utf8').catch(() => ''),
    stop: async () => {
      await server.stop();
      await serve?.stop();
      await rm(dirs.root, { recursive: true, force: true });
    },
  };
}

/**
 * The few lines of a main apache2.conf that Debian keeps in /etc/apache2 (modules, user, pid
 * file); the site itself is the rendered example, included as Debian's sites-enabled would be.
 * prefork with mod_cgi, as the example's first block names; mod_cgid under event works the same.
 */
function apacheMain(root: string, logs: string, fcgidDir: string): string {
  const modules = ['mpm_prefork', 'authz_core', 'alias', 'env', 'cgi', 'fcgid', 'proxy', 'proxy_fcgi', 'setenvif'];
  return [
    `ServerRoot ${root}`, 'ServerName localhost', `PidFile ${join(root, 'apache2.pid')}`, `DefaultRuntimeDir ${root}`,
    `User ${WEB_USER}`, `Group ${WEB_USER}`, `ErrorLog ${join(logs, 'apache-main-error.log')}`, 'LogLevel warn',
    ...modules.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    // Debian's apache2.conf denies the whole file system; a site grants what it serves.
    '<Directory />', '    AllowOverride None', '    Require all denied', '</Directory>',
    `FcgidIPCDir ${fcgidDir}`, `FcgidProcessTableFile ${join(root, 'fcgid_shm')}`,
    `Include ${join(root, 'atommq-site.conf')}`, '',
  ].join('\n');
}
