import type { FastCgiServer } from 'node-fastcgi';
import { lstat, unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { CgiEnv } from '../core/env.js';
import type { Handler } from './http.js';
import { clientLeftSignal, writeNodeResponse } from './node-response.js';

/**
 * Where the FastCGI server listens: the socket on fd 0 that a web server's `bin-path` spawn
 * hands over, a Unix socket path, or a TCP `host:port`.
 */
export type FastCgiListen = { readonly kind: 'inherited' } | { readonly kind: 'path'; readonly path: string } | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

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
 * web server's CGI params, which are exactly the env the core reads.
 */
export async function serveFastCgi(handler: Handler, listen: FastCgiListen, logError: (m: string) => void): Promise<FastCgiServer> {
  const fcgi = (await import('node-fastcgi')).default;
  const server = fcgi.createServer((req: IncomingMessage, res) => {
    handler(paramsOf(req), req, clientLeftSignal(req, res)).then(
      (response) => writeNodeResponse(res, response, logError),
      (error: unknown) => {
        logError(`atommq: unhandled: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        res.destroy();
      });
  });
  server.on('protocolError', (error: unknown) => logError(`atommq: FastCGI protocol error: ${String(error)}`));
  if (listen.kind === 'path') await removeStaleSocket(listen.path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (listen.kind === 'inherited') server.listen(done);
    else if (listen.kind === 'path') server.listen({ path: listen.path, backlog: BACKLOG }, done);
    else server.listen({ port: listen.port, host: listen.host, backlog: BACKLOG }, done);
  });
  return server;
}

/**
 * Removes the socket file a killed server left behind (kill -9 skips the unlink in close()), so a
 * supervisor's restart can listen again. A socket that still accepts connections belongs to a
 * live server and is kept: listen then fails with EADDRINUSE, as it should.
 */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat === undefined || !stat.isSocket()) return;
  const isStale = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
  if (isStale) await unlink(path);
}

function paramsOf(req: IncomingMessage): CgiEnv {
  const params: unknown = (req.socket as unknown as { params?: unknown }).params;
  if (typeof params !== 'object' || params === null) return {};
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) if (typeof value === 'string') env[key] = value;
  return env;
}
