import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import type { FeedRecord } from '../storage/store.js';
import { parseEtagList, positionEtag } from './etag.js';
import { memberNumber } from './members.js';

/** A GET of a media resource: `{feed}/media/{key}`. */
export interface MediaRequest {
  readonly feed: FeedRecord;
  readonly key: string;
  readonly ifNoneMatch: string | undefined;
}

/**
 * Answers a GET of a media resource (RFC 5023 §9.6) with the exact bytes and Content-Type that
 * were posted. A JSON message posted as `application/json` comes back byte for byte.
 */
export async function readMedia(request: MediaRequest, deps: Deps): Promise<CoreResponse> {
  const { feed, key } = request;
  const member = await memberNumber(feed, key, deps);
  const newest = member === undefined ? undefined : await deps.store.findMember(feed.id, member);
  const media = newest === undefined || newest.kind === 'tombstone' ? undefined : await deps.store.readMedia(feed.id, newest.member);
  if (newest === undefined || media === undefined) throw HttpError.notFound(`feed ${feed.name} has no media resource ${key.slice(0, 60)}`);
  // The bytes never change once posted, so the ETag of the member's first position names them.
  const etag = positionEtag(feed, newest.member);
  if (request.ifNoneMatch !== undefined && parseEtagList(request.ifNoneMatch).some((t) => `"${t}"` === etag)) {
    return { status: 304, headers: [['ETag', etag]] };
  }
  return {
    status: 200,
    headers: [
      ['Content-Type', media.type], ['Content-Length', String(media.bytes.byteLength)], ['ETag', etag], ['Cache-Control', 'public, max-age=31536000, immutable'],
      // The HTML view links media, and a publisher may post text/html or SVG. CSP `sandbox`
      // (CSP3 §6.3.2) runs no script in it and gives it an opaque origin, so it cannot act as
      // this server with a browser's cached credentials; nosniff keeps other types from turning into HTML.
      ['Content-Security-Policy', 'sandbox'], ['X-Content-Type-Options', 'nosniff'],
    ],
    body: media.bytes,
  };
}
