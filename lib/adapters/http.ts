import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { CoreResponse } from '../core/response.js';
import type { BodySource } from '../core/deps.js';
import type { CgiEnv } from '../core/env.js';
import { writeNodeResponse } from './node-response.js';
import { Drain } from './shutdown.js';

/** A function that answers one CGI-style request; `signal` aborts when the client goes away. */
export type Handler = (env: CgiEnv, body: BodySource, signal: AbortSignal) => Promise<CoreResponse>;

/** Where the standalone HTTP server listens: a port and address, or a socket systemd passed. */
export type HttpListen = { readonly port: number; readonly host: string } | { readonly fd: number };

/** Where and how the standalone HTTP server listens. */
export type HttpOptions = HttpListen & { readonly logError: (message: string) => void };

/**
 * The standalone HTTP adapter: builds a CGI env from each Node request and writes the core's
 * response. A request whose URL cannot be decoded is a 400 from the core's own router. The
 * returned `stop()` is the graceful stop of {@link Drain}.
 */
export function serveHttp(handler: Handler, options: HttpOptions): Promise<{ server: Server; stop(): Promise<void> }> {
  const drain = new Drain(true);
  const server = createServer((req, res) => {
    handler(envFromRequest(req), bodyOf(req), drain.admit(req, res)).then(
      (response) => {
        if (!req.complete) lingerAfterEarlyAnswer(req);
        writeNodeResponse(res, response, options.logError);
      },
      (error: unknown) => {
        options.logError(`atommq: unhandled: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        res.destroy();
      });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  drain.watch(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve({ server, stop: () => drain.stop(server) });
    };
    if ('fd' in options) server.listen({ fd: options.fd }, done);
    else server.listen(options.port, options.host, done);
  });
}

/**
 * The request body as the core reads it. A Readable's own iterator destroys the request, and
 * with it the socket, when the reader stops early; the core stops early to refuse a body that
 * grows past the limit, and the 413 must still reach the client.
 */
export async function* bodyOf(req: IncomingMessage): AsyncGenerator<Uint8Array> {
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    if (chunk instanceof Uint8Array) yield chunk;
  }
}

/** How long a connection keeps reading a refused body after its answer, at most. */
const LINGER_MS = 2_000;

/**
 * RFC 9112 §9.6: a server that closes a connection while the client is still sending makes the
 * kernel reset it, and the reset can destroy the answer (a 413) before the client reads it.
 * When the core answered before the body was read, Node would close the socket as soon as the
 * answer is written. Instead the socket is half-closed, and what the client still sends is read
 * and dropped (Node's parser discards an unread body) until it stops, or for LINGER_MS at most.
 */
function lingerAfterEarlyAnswer(req: IncomingMessage): void {
  const socket: Socket | null = req.socket;
  if (socket === null || socket.destroyed) return; // the client already went away
  socket.destroySoon = (): void => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('end', () => socket.destroy());
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Builds the RFC 3875 env for a Node HTTP request; the server is mounted at the root. */
export function envFromRequest(req: IncomingMessage): CgiEnv {
  const target = req.url ?? '/';
  const queryAt = target.indexOf('?');
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const env: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: decodePath(rawPath),
    QUERY_STRING: queryAt < 0 ? '' : target.slice(queryAt + 1),
    REQUEST_URI: target,
    SERVER_NAME: req.socket.localAddress ?? '127.0.0.1',
    SERVER_PORT: String(req.socket.localPort ?? ''),
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
  };
  // headersDistinct, not headers: Node keeps only the first of a repeated Host (and a few
  // others). A web server passes repeated lines on joined, so the core sees, and refuses, a
  // request with two Host lines (RFC 9112 §3.2).
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined) continue;
    const key = name.toUpperCase().replace(/-/g, '_');
    const text = values.join(name === 'cookie' ? '; ' : ', ');
    if (key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH') env[key] = text;
    else env[`HTTP_${key}`] = text;
  }
  return env;
}

/** Percent-decodes a path as a web server does for PATH_INFO; undecodable bytes stay encoded. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
