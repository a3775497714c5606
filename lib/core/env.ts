import { HttpError } from './errors.js';

/**
 * The CGI/1.1 request environment (RFC 3875) that every adapter builds and the core reads.
 *
 * Header fields arrive as `HTTP_*` meta-variables, except `CONTENT_TYPE` and `CONTENT_LENGTH`,
 * which are never prefixed (RFC 3875 §4.1.18, and the PSGI rule).
 */
export type CgiEnv = Readonly<Record<string, string | undefined>>;

/** Returns the meta-variable name that carries the header `name` (`If-None-Match` → `HTTP_IF_NONE_MATCH`). */
export function metaVariableFor(name: string): string {
  const upper = name.toUpperCase().replace(/-/g, '_');
  return upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH' ? upper : `HTTP_${upper}`;
}

/** Reads a request header from the env, or `undefined` when it is absent. */
export function requestHeader(env: CgiEnv, name: string): string | undefined {
  return env[metaVariableFor(name)];
}

/** The request method, upper-cased; GET when the env lacks one. */
export function requestMethod(env: CgiEnv): string {
  return (env['REQUEST_METHOD'] ?? 'GET').toUpperCase();
}

/** SCRIPT_NAME as PSGI defines it: never `/`, the root is the empty string. */
export function scriptName(env: CgiEnv): string {
  const name = env['SCRIPT_NAME'] ?? '';
  return name.replace(/\/+$/, '');
}

/** PATH_INFO, already percent-decoded by the web server as RFC 3875 §4.1.5 requires. */
export function pathInfo(env: CgiEnv): string {
  return env['PATH_INFO'] ?? '';
}

/** The query string parsed into parameters. */
export function queryParams(env: CgiEnv): URLSearchParams {
  return new URLSearchParams(env['QUERY_STRING'] ?? '');
}

/** RFC 3986 §3.2.2–3.2.3: an IP literal or a reg-name (unreserved, pct-encoded, sub-delims), then an optional port. */
const AUTHORITY = /^(?:\[[0-9A-Za-z:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(?::\d{0,5})?$/;

/**
 * The absolute URL of the script itself (`scheme://host{SCRIPT_NAME}`), the prefix of every link
 * the server writes. RFC 5023 §9.2 requires Location to be absolute, so links are absolute too.
 */
export function baseUrl(env: CgiEnv): string {
  const https = (env['HTTPS'] ?? '').toLowerCase();
  const requested = (env['REQUEST_SCHEME'] ?? '').toLowerCase();
  const scheme = requested === 'http' || requested === 'https' ? requested : https === 'on' || https === '1' ? 'https' : 'http';
  const host = env['HTTP_HOST'] || hostFromServer(env, scheme); // an empty Host is no Host
  // The host goes into Location and every link. RFC 9112 §3.2: a Host field with an invalid
  // value is a 400; it must never carry CR, LF or a path into a response header.
  // RFC 1035 §2.3.4 caps a host name at 255 octets; every absolute link repeats the Host, so a
  // longer one would multiply the size of every answer (issue 10).
  if (host.length > 255) throw HttpError.badRequest('the Host header is longer than 255 characters');
  if (!AUTHORITY.test(host)) throw HttpError.badRequest(`the Host header is not a valid host[:port]: ${JSON.stringify(host.slice(0, 100))}`);
  return `${scheme}://${host}${encodePath(scriptName(env))}`;
}

function hostFromServer(env: CgiEnv, scheme: string): string {
  const name = env['SERVER_NAME'] ?? 'localhost';
  const port = env['SERVER_PORT'];
  const isDefault = port === undefined || (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443');
  const host = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
  return isDefault ? host : `${host}:${port}`;
}

/** Percent-encodes each segment of a decoded path, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split('/').map((segment) => encodeURIComponent(segment)).join('/');
}
