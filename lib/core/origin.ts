import type { CgiEnv } from './env.js';
import { baseUrl, requestHeader } from './env.js';
import { HttpError } from './errors.js';
import type { HeaderList } from './response.js';

/**
 * Browsers are a client that other sites can drive. A page on another site may make a browser
 * POST here, and the browser attaches the Basic credentials it has cached for this server.
 * The Fetch standard makes browsers send `Origin` on every POST, PUT and DELETE, so such a
 * request is refused unless its Origin is this server's own or on the configured allow-list.
 * Requests without `Origin` (curl, feed readers, Atom clients) are not browsers' cross-site
 * requests and pass unchanged.
 */

const UNSAFE = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** Throws a 403 for a state-changing request from a foreign origin. */
export function checkOrigin(method: string, env: CgiEnv, allowed: readonly string[]): void {
  if (!UNSAFE.has(method)) return;
  const origin = requestHeader(env, 'Origin');
  if (origin === undefined || isOwnOrigin(origin, env) || isAllowed(origin, allowed)) return;
  throw HttpError.forbidden(`requests from ${JSON.stringify(origin.slice(0, 100))} may not change this server; an operator can allow the origin with --allow-origin`);
}

/**
 * CORS (Fetch standard): a GET or HEAD, EventSource included, from a page of an allow-listed
 * origin may read the answer, credentials included. Origins not on the list get no CORS headers,
 * so their pages cannot read anything. Safe requests only: other methods are not opened to
 * preflight here.
 */
export function corsHeaders(method: string, env: CgiEnv, allowed: readonly string[]): HeaderList {
  if ((method !== 'GET' && method !== 'HEAD') || allowed.length === 0) return [];
  const origin = requestHeader(env, 'Origin');
  // Fetch standard §3.2.5: once answers depend on Origin, every answer says so, including those
  // without CORS headers; else a cache may give an allowed page a copy it cannot read.
  if (origin === undefined || !isAllowed(origin, allowed)) return [['Vary', 'Origin']];
  return [
    ['Access-Control-Allow-Origin', origin],
    ['Access-Control-Allow-Credentials', 'true'],
    ['Access-Control-Expose-Headers', 'ETag, Location, AtomMQ-Pruned-Through, Preference-Applied, Retry-After'],
    ['Vary', 'Origin'],
  ];
}

/**
 * Normalises an origin list entry or header: lower-case scheme and host, no trailing slash, and
 * no default port. RFC 6454 §6.2 serialises an origin without its scheme's default port, so a
 * browser says `https://a.example` where a proxy's Host says `a.example:443`.
 */
export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase().replace(/^(http:\/\/[^/]+):80$|^(https:\/\/[^/]+):443$/, '$1$2');
}

function isAllowed(origin: string, allowed: readonly string[]): boolean {
  const normalized = normalizeOrigin(origin);
  return allowed.some((entry) => normalizeOrigin(entry) === normalized);
}

function isOwnOrigin(origin: string, env: CgiEnv): boolean {
  const own = /^[a-z]+:\/\/[^/]*/i.exec(baseUrl(env))?.[0];
  return own !== undefined && normalizeOrigin(own) === normalizeOrigin(origin);
}
