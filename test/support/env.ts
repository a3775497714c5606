import type { CgiEnv } from '../../lib/core/env.js';

/** Options of {@link envFor}. */
export interface EnvOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** SCRIPT_NAME; '' for a server mounted at the root. */
  readonly scriptName?: string;
  readonly host?: string;
}

/**
 * Builds a complete, valid CGI env (RFC 3875) for a request line such as
 * `'POST /feeds/x?limit=2'`, the way lighttpd or Apache would.
 */
export function envFor(requestLine: string, options: EnvOptions = {}): { env: CgiEnv; body: Uint8Array } {
  const [method = 'GET', target = '/'] = requestLine.split(' ');
  const queryAt = target.indexOf('?');
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const body = typeof options.body === 'string' ? new TextEncoder().encode(options.body) : options.body ?? new Uint8Array(0);
  const env: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: method,
    SCRIPT_NAME: options.scriptName ?? '',
    PATH_INFO: decodeURIComponent(path),
    QUERY_STRING: queryAt < 0 ? '' : target.slice(queryAt + 1),
    SERVER_NAME: 'localhost',
    SERVER_PORT: '80',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REMOTE_ADDR: '127.0.0.1',
    HTTP_HOST: options.host ?? 'localhost',
  };
  if (method === 'POST' || method === 'PUT' || body.byteLength > 0) env['CONTENT_LENGTH'] = String(body.byteLength);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    const key = name.toUpperCase().replace(/-/g, '_');
    env[key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH' ? key : `HTTP_${key}`] = value;
  }
  return { env, body };
}

/** A body source yielding `bytes` once, as an adapter would stream it. */
export async function* bodyOf(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  if (bytes.byteLength > 0) yield bytes;
}
