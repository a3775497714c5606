import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { CoreResponse } from '../core/response.js';
import type { BodySource } from '../core/deps.js';
import type { CgiEnv } from '../core/env.js';
import { writeNodeResponse } from './node-response.js';

/** A function that answers one CGI-style request. */
export type Handler = (env: CgiEnv, body: BodySource) => Promise<CoreResponse>;

/** Where and how the standalone HTTP server listens. */
export interface HttpOptions {
  readonly port: number;
  readonly host: string;
  readonly logError: (message: string) => void;
}

/**
 * The standalone HTTP adapter: builds a CGI env from each Node request and writes the core's
 * response. A request whose URL cannot be decoded is a 400 from the core's own router.
 */
export function serveHttp(handler: Handler, options: HttpOptions): Promise<Server> {
  const server = createServer((req, res) => {
    handler(envFromRequest(req), req).then(
      (response) => writeNodeResponse(res, response, options.logError),
      (error: unknown) => {
        options.logError(`atommq: unhandled: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        res.destroy();
      });
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
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
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const key = name.toUpperCase().replace(/-/g, '_');
    const text = Array.isArray(value) ? value.join(', ') : value;
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
