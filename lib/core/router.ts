import { HttpError } from './errors.js';
import type { GroupRoute } from './group-route.js';
import { routeGroup } from './group-route.js';

/** What a request path names. */
export type Route =
  | { readonly kind: 'health' }
  | { readonly kind: 'service' }
  | { readonly kind: 'collection'; readonly feed: string }
  | { readonly kind: 'member'; readonly feed: string; readonly key: string }
  | { readonly kind: 'media'; readonly feed: string; readonly key: string }
  | { readonly kind: 'archive'; readonly feed: string; readonly key: string }
  /** The HTML view's own script and style sheet, `/assets/{name}` in both modes. */
  | { readonly kind: 'asset'; readonly name: string }
  | GroupRoute;

/** The methods each kind of resource answers; HEAD works wherever GET does. */
export const ALLOWED_METHODS: Readonly<Record<Route['kind'], readonly string[]>> = {
  health: ['GET', 'HEAD'],
  service: ['GET', 'HEAD'],
  collection: ['GET', 'HEAD', 'POST'],
  member: ['GET', 'HEAD', 'PUT', 'DELETE'],
  media: ['GET', 'HEAD', 'PUT', 'DELETE'],
  archive: ['GET', 'HEAD'],
  asset: ['GET', 'HEAD'],
  // Each part of a group answers fewer; the group module answers 405 for the others.
  group: ['GET', 'HEAD', 'PUT', 'DELETE', 'POST'],
};

/**
 * Feed names: 1–128 characters of ASCII letters, digits, `_`, `-` and `.`, starting with a letter,
 * digit or `_`. That keeps names safe in URLs, file systems and logs; they match
 * case-insensitively, as in AtomBus.
 */
const FEED_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Returns true when `name` is an acceptable feed name. */
export function isFeedName(name: string): boolean {
  return FEED_NAME.test(name);
}

/**
 * Maps PATH_INFO to a route. `/health` is the health check in both modes. Single-feed mode (`singleFeed` set): `/` is the feed,
 * `/service` the service document, `/entries/{key}` a member, `/media/{key}` its media,
 * `/archive/{k}` an RFC 5005 archive page.
 * Multi-feed mode: `/` is the service document, `/feeds/{name}` a feed, and members and media
 * live under it the same way.
 */
export function route(pathInfo: string, singleFeed: string | undefined): Route {
  const segments = pathInfo.split('/').filter((s) => s !== '');
  // `{base}/health` in both modes, for load balancers (see health.ts).
  if (segments.length === 1 && segments[0] === 'health') return { kind: 'health' };
  if (segments.length === 2 && segments[0] === 'assets' && segments[1] !== undefined) return { kind: 'asset', name: segments[1] };
  if (singleFeed !== undefined) {
    const [first, key, ...rest] = segments;
    if (first === undefined) return { kind: 'collection', feed: singleFeed };
    if (first === 'service' && key === undefined) return { kind: 'service' };
    if (first === 'groups') return routeGroup(singleFeed, segments.slice(1), isFeedName) ?? throwNotFound(pathInfo);
    if (key !== undefined && rest.length === 0) {
      if (first === 'entries') return { kind: 'member', feed: singleFeed, key };
      if (first === 'media') return { kind: 'media', feed: singleFeed, key };
      if (first === 'archive') return { kind: 'archive', feed: singleFeed, key };
    }
    throw notFound(pathInfo);
  }
  const [first, feed, entries, key, ...rest] = segments;
  if (first === undefined) return { kind: 'service' };
  if (first !== 'feeds' || feed === undefined || (rest.length > 0 && entries !== 'groups')) throw notFound(pathInfo);
  if (!isFeedName(feed)) {
    throw HttpError.notFound('no such feed: names are 1-128 characters of A-Z, a-z, 0-9, "_", "-" and "." and do not start with "." or "-"');
  }
  if (entries === undefined) return { kind: 'collection', feed };
  if (entries === 'groups') return routeGroup(feed, segments.slice(3), isFeedName) ?? throwNotFound(pathInfo);
  if (entries === 'entries' && key !== undefined) return { kind: 'member', feed, key };
  if (entries === 'media' && key !== undefined) return { kind: 'media', feed, key };
  if (entries === 'archive' && key !== undefined) return { kind: 'archive', feed, key };
  throw notFound(pathInfo);
}

function throwNotFound(path: string): never {
  throw notFound(path);
}

function notFound(path: string): HttpError {
  return HttpError.notFound(`nothing lives at ${JSON.stringify(path.slice(0, 200))}`);
}
