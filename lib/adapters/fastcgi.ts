import type { FastCgiServer } from 'node-fastcgi';
import { lstat, stat, unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { CgiEnv } from '../core/env.js';
import type { Handler } from './http.js';
import { bodyOf } from './http.js';
import { writeNodeResponse } from './node-response.js';
import { Drain } from './shutdown.js';
import type { SocketAccess } from './socket-permissions.js';
import { DEFAULT_SOCKET_MODE, applySocketGroup, bindWithMode, groupId } from './socket-permissions.js';

/**
 * Where the FastCGI server listens: the socket on fd 0 that a web server's `bin-path` spawn
 * hands over, a socket systemd passed (fd 3), a Unix socket path, or a TCP `host:port`.
 */
export type FastCgiListen =
  | { readonly kind: 'inherited' }
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'path'; readonly path: string; readonly access?: SocketAccess | undefined }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/** Parses `--fastcgi PATH` or `--fastcgi HOST:PORT`. */
export function parseFastCgiListen(text: string): FastCgiListen {
  const tcp = /^(.*):(\d{1,5})$/.exec(text);
  if (tcp && !text.includes('/')) return { kind: 'tcp', host: tcp[1] === '' ? '127.0.0.1' : tcp[1] ?? '127.0.0.1', port: Number(tcp[2]) };
  return { kind: 'path', path: text };
}

/**
 * Pending connections the listening socket queues (the kernel caps it at net.core.somaxconn).
 * The web server opens one FastCGI connection per request, and a commit answers every long
 * poll at once, so a thousand consumers asking again open a thousand connections within a few
 * milliseconds. Node's default of 511 overflowed there: lighttpd then wrote to unconnected
 * sockets and node-fastcgi, seeing a request id reused, threw and took the process down.
 */
const BACKLOG = 4096;

/**
 * The FastCGI adapter: node-fastcgi decodes the protocol, and its request object carries the
 * web server's CGI params, which are exactly the env the core reads. The returned `stop()` is
 * the graceful stop of {@link Drain}.
 */
export async function serveFastCgi(handler: Handler, listen: FastCgiListen, logError: (m: string) => void): Promise<{ server: FastCgiServer; stop(): Promise<void> }> {
  const fcgi = (await import('node-fastcgi')).default;
  const drain = new Drain(false);
  const server = fcgi.createServer((req: IncomingMessage, res) => {
    handler(paramsOf(req), bodyOf(req), drain.admit(req, res)).then(
      async (response) => {
        await readRestOfBody(req);
        writeNodeResponse(res, response, logError);
      },
      (error: unknown) => {
        logError(`atommq: unhandled: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        res.destroy();
      });
  });
  server.on('protocolError', (error: unknown) => logError(`atommq: FastCGI protocol error: ${String(error)}`));
  drain.watch(server);
  const access = listen.kind === 'path' ? listen.access : undefined;
  const gid = access?.group === undefined ? undefined : groupId(access.group); // before binding: a bad name binds nothing
  if (listen.kind === 'path') {
    await checkSocketDirectory(listen.path);
    await removeStaleSocket(listen.path);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (listen.kind === 'inherited') server.listen(done);
    else if (listen.kind === 'fd') server.listen({ fd: listen.fd, backlog: BACKLOG }, done);
    else if (listen.kind === 'path') bindWithMode(access?.mode ?? DEFAULT_SOCKET_MODE, () => server.listen({ path: listen.path, backlog: BACKLOG }, done));
    else server.listen({ port: listen.port, host: listen.host, backlog: BACKLOG }, done);
  });
  if (listen.kind === 'path' && access?.group !== undefined && gid !== undefined) {
    await applySocketGroup(listen.path, access.group, gid).catch(async (error: unknown) => {
      await new Promise((resolve) => server.close(resolve));
      throw error;
    });
  }
  return { server, stop: () => drain.stop(server) };
}

/** How long an answer given before the body was read waits for the rest of the body, at most. */
const LINGER_MS = 2_000;

/**
 * When the core answered before reading the whole body (a 413, a 401), reads and drops the rest
 * before answering. Ending the request closes the web server's connection, and a web server
 * still sending the body then fails the request itself (nginx 502, Apache 500 or 503) instead of
 * passing on AtomMQ's answer. The web server's own size limit bounds what is read here.
 */
async function readRestOfBody(req: IncomingMessage): Promise<void> {
  if (req.complete || req.readableEnded || req.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, LINGER_MS);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    req.once('end', done);
    req.once('close', done);
    req.once('error', done);
    req.resume();
  });
}

/**
 * Stops with a clear message when the socket's directory is missing (a fresh /run/atommq, say):
 * libuv reports a bind in a missing directory as EACCES, "permission denied", even to root.
 */
async function checkSocketDirectory(path: string): Promise<void> {
  const dir = dirname(path);
  const isMissing = await stat(dir).then(() => false, (error: NodeJS.ErrnoException) => error.code === 'ENOENT');
  if (isMissing) throw new Error(`cannot create the socket ${path}: the directory ${dir} does not exist (create it, or let systemd's RuntimeDirectory= or a .socket unit make it)`);
}

/**
 * Removes the socket file a killed server left behind (kill -9 skips the unlink in close()), so a
 * supervisor's restart can listen again. A socket that still accepts connections belongs to a
 * live server and is kept: listen then fails with EADDRINUSE, as it should. One this user may not
 * connect to (another user's) is left alone, with a message that says so.
 */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat === undefined || !stat.isSocket()) return;
  const probed = await new Promise<string>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve('live');
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
  if (probed === 'ECONNREFUSED') await unlink(path);
  // Without this, listen says "address already in use" of a socket nobody may be serving.
  if (probed === 'EACCES') throw new Error(`the socket ${path} exists and AtomMQ may not connect to it (permission denied; AtomMQ runs as uid ${process.getuid?.() ?? '?'}): it is another user's, stale or in use; remove it if no server uses it`);
}

function paramsOf(req: IncomingMessage): CgiEnv {
  const params: unknown = (req.socket as unknown as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return {};
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) if (typeof value === 'string') env[key] = value;
  return env;
}
