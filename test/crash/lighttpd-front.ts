import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { isListening } from '../support/http.js';
import type { Running } from '../support/processes.js';
import { CLI, REPO_ROOT, startProcess } from '../support/processes.js';
import { freePort, waitFor } from '../support/tools.js';

/** lighttpd in front of a FastCGI backend that the caller starts, kills and restarts itself. */
export interface LighttpdFront {
  readonly port: number;
  /** The socket lighttpd's "/bus" block connects to (lighttpd.conf.example's atommq.sock). */
  readonly socketPath: string;
  stop(): Promise<void>;
}

/**
 * Renders lighttpd.conf.example into `stateDir`, as test/support/processes.ts does, and starts
 * lighttpd only. Unlike startLighttpd, the `atommq serve --fastcgi` behind /bus is left to the
 * caller, who needs its process to kill it.
 */
export async function startLighttpdFront(stateDir: string, dsn: string): Promise<LighttpdFront> {
  const port = await freePort();
  const example = await readFile(join(REPO_ROOT, 'lighttpd.conf.example'), 'utf8');
  const config = example
    .replace(/^var\.atommq_home\s*=.*$/m, `var.atommq_home = "${REPO_ROOT}"`)
    .replace(/^var\.atommq_state\s*=.*$/m, `var.atommq_state = "${stateDir}"`)
    .replace(/^server\.port\s*=.*$/m, `server.port = ${port}`)
    .replaceAll('"sqlite:" + var.atommq_state + "/atommq.db"', JSON.stringify(dsn));
  await mkdir(join(stateDir, 'htdocs'), { recursive: true });
  const configPath = join(stateDir, 'lighttpd.conf');
  await writeFile(configPath, config);
  const lighttpd = startProcess('lighttpd', ['-D', '-f', configPath]);
  await waitFor(`lighttpd on port ${port} (${lighttpd.stderr()})`, () => isListening(port));
  return { port, socketPath: join(stateDir, 'atommq.sock'), stop: lighttpd.stop };
}

/** Resolves true when something accepts connections on the Unix socket `path`. */
export function isSocketListening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `atommq serve --fastcgi SOCKET` and waits until it accepts connections. A process that
 * exits first (for example on EADDRINUSE from a stale socket file) fails with its stderr.
 */
export async function startFastCgiBackend(socketPath: string, dsn: string, env: Readonly<Record<string, string>> = {}): Promise<Running> {
  const serve = startProcess(process.execPath, [CLI, 'serve', '--fastcgi', socketPath, '--dsn', dsn], env);
  const exited = new Promise<never>((_, reject) => serve.child.once('exit', (code, signal) =>
    reject(new Error(`atommq serve --fastcgi exited (${signal ?? code}) before listening: ${serve.stderr()}`))));
  await Promise.race([waitFor(`atommq serve --fastcgi on ${socketPath}`, () => isSocketListening(socketPath)), exited]);
  exited.catch(() => undefined); // a later exit is the caller's business
  return serve;
}

/** SIGKILLs a process and waits until it is gone. */
export function killHard(running: Running): Promise<void> {
  const child = running.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
