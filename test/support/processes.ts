import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './tools.js';
import { isListening } from './http.js';

/** The repository root (tests run from dist/test/…). */
export const REPO_ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
/** The compiled CLI. */
export const CLI = join(REPO_ROOT, 'dist/lib/cli.js');

/** A child process the test owns; `stop()` kills it and waits for it to exit. */
export interface Running {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/** Spawns a process, keeping its stderr for failure messages. */
export function startProcess(command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Running {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  return {
    child,
    stderr: () => stderr,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** Starts `atommq serve` over HTTP on a free port and waits until it accepts connections. */
export async function startServeHttp(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Running & { port: number }> {
  const port = await freePort();
  const running = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), ...args], env);
  await waitFor(`atommq serve on port ${port} (${running.stderr()})`, () => isListening(port));
  return { ...running, port };
}

/** A lighttpd running the rendered lighttpd.conf.example, with `atommq serve --fastcgi` behind /bus. */
export interface Lighttpd {
  readonly port: number;
  /** The pid of the `atommq serve --fastcgi` process behind /bus. */
  readonly servePid: number;
  readonly stateDir: string;
  /** The web server's error log, where the scripts' stderr lands. */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Renders lighttpd.conf.example with a temporary state directory and a free port, starts
 * `atommq serve --fastcgi` on the socket the example names for /bus, then lighttpd itself.
 * The example is what users copy, so running it here keeps it from rotting.
 */
export async function startLighttpd(options: { readonly dsn?: string; readonly serveArgs?: readonly string[]; readonly scriptEnv?: Readonly<Record<string, string>> } = {}): Promise<Lighttpd> {
  const stateDir = await mkdtemp(join(tmpdir(), 'atommq-lighttpd-'));
  const port = await freePort();
  const dsn = options.dsn ?? `sqlite:${stateDir}/atommq.db`;
  const example = await readFile(join(REPO_ROOT, 'lighttpd.conf.example'), 'utf8');
  const config = example
    .replace(/^var\.atommq_home\s*=.*$/m, `var.atommq_home = "${REPO_ROOT}"`)
    .replace(/^var\.atommq_state\s*=.*$/m, `var.atommq_state = "${stateDir}"`)
    .replace(/^server\.port\s*=.*$/m, `server.port = ${port}`)
    .replaceAll(`"sqlite:" + var.atommq_state + "/atommq.db"`, JSON.stringify(dsn))
    // Extra variables for the CGI and spawned FastCGI scripts, next to ATOMMQ_DSN.
    .replaceAll('"ATOMMQ_DSN" =>', `${Object.entries(options.scriptEnv ?? {}).map(([k, v]) => `${JSON.stringify(k)} => ${JSON.stringify(v)}, `).join('')}"ATOMMQ_DSN" =>`);
  await mkdir(join(stateDir, 'htdocs'));
  const configPath = join(stateDir, 'lighttpd.conf');
  await writeFile(configPath, config);
  const serve = startProcess(process.execPath, [CLI, 'serve', '--fastcgi', join(stateDir, 'atommq.sock'), '--dsn', dsn, ...(options.serveArgs ?? [])]);
  await waitFor('atommq serve --fastcgi socket', async () => existsSync(join(stateDir, 'atommq.sock')));
  const lighttpd = startProcess('lighttpd', ['-D', '-f', configPath]);
  await waitFor(`lighttpd on port ${port} (${lighttpd.stderr()})`, () => isListening(port));
  return {
    port,
    servePid: serve.child.pid ?? 0,
    stateDir,
    errorLog: () => readFile(join(stateDir, 'lighttpd-error.log'), 'utf8').catch(() => ''),
    stop: async () => {
      await lighttpd.stop();
      await serve.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
