import type { CgiEnv } from '../core/env.js';
import { HttpError } from '../core/errors.js';
import type { Route } from '../core/router.js';
import type { Action, Authenticator, Identity } from './identity.js';

/**
 * Authenticates a routed request and checks that its user may do what the method does to the
 * feed; throws the 401 or 403 otherwise, before any body is read. Returns the identity
 * (undefined: anonymous). The service document of multi-feed mode is open to anyone, and lists
 * only the feeds the user may read (see {@link readableFeeds}).
 */
export async function authorizeRequest(auth: Authenticator, target: Route, method: string, env: CgiEnv, singleFeed: string | undefined): Promise<Identity | undefined> {
  const identity = await auth.authenticate(env);
  if (identity === 'invalid') throw challenge(auth, 'the user name or password is not valid');
  const feed = 'feed' in target ? target.feed : singleFeed;
  if (feed === undefined) return identity;
  // Consumer groups: claiming, acking and reading status are reading the feed; only creating
  // and deleting a group (PUT, DELETE) changes what others see.
  const isRead = method === 'GET' || method === 'HEAD' || (target.kind === 'group' && method === 'POST');
  const action: Action = isRead ? 'read' : 'write';
  if (auth.isAllowed(identity, feed, action)) return identity;
  if (identity === undefined) throw challenge(auth, `this feed needs authentication to ${action === 'read' ? 'read' : 'publish, edit or delete'}`);
  throw HttpError.forbidden(`you may not ${action === 'read' ? 'read' : 'publish to, edit or delete in'} this feed`);
}

/**
 * The feeds of a multi-feed service document the user may read. An anonymous client that may
 * read none of several feeds is challenged (401), so that clients which send credentials only
 * when asked (LWP, browsers) still get to see their feeds.
 */
export function readableFeeds<F extends { readonly name: string }>(auth: Authenticator, identity: Identity | undefined, feeds: readonly F[]): F[] {
  const readable = feeds.filter((feed) => auth.isAllowed(identity, feed.name, 'read'));
  if (identity === undefined && readable.length === 0 && feeds.length > 0) throw challenge(auth, 'log in to see the feeds you may read');
  return readable;
}

/**
 * RFC 9110 §15.5.2: a 401 carries a challenge. When AtomMQ checks no passwords itself (the web
 * server authenticates), credentials sent to it could not help, so the answer is a 403.
 */
function challenge(auth: Authenticator, detail: string): HttpError {
  return auth.basicRealm === undefined ? HttpError.forbidden(detail) : HttpError.unauthorized(auth.basicRealm, detail);
}
