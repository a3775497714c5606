import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import { parseEtagList, positionEtag } from './etag.js';
import { memberNumber } from './members.js';

/** A GET of a media resource: `{feed}/media/{key}`, or one revision's bytes with `?revision={seq}`. */
export interface MediaRequest {
  readonly feed: FeedRecord;
  readonly key: string;
  /** The `revision` query parameter, if given. */
  readonly revision: string | undefined;
  readonly ifNoneMatch: string | undefined;
}

/** RFC 5005-style immutable caching for bytes that can never change at their URI. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Answers a GET of a media resource (RFC 5023 §9.6) with the bytes and normalized Content-Type
 * that were posted. The edit-media URI `{feed}/media/{key}` always serves the member's current
 * bytes, with `no-cache` and the member's ETag (the one If-Match needs for a PUT there). Each
 * revision's bytes also live at `{feed}/media/{key}?revision={seq}`, the `content/@src` of that
 * revision, and never change there, so they are cached as immutable. After a DELETE both are 410.
 */
export async function readMedia(request: MediaRequest, deps: Deps): Promise<CoreResponse> {
  const { feed, key } = request;
  const newest = await findMediaMember(feed, key, deps);
  const revision = request.revision === undefined ? newest.mediaSeq : /^[1-9]\d{0,14}$/.test(request.revision) ? Number(request.revision) : undefined;
  const media = revision === undefined ? undefined : await deps.store.readMedia(feed.id, revision);
  if (revision === undefined || media === undefined || media.member !== newest.member) {
    throw HttpError.notFound(`feed ${feed.name} has no media resource ${key.slice(0, 60)}${request.revision === undefined ? '' : ` revision ${request.revision.slice(0, 20)}`}`);
  }
  const etag = positionEtag(feed, request.revision === undefined ? newest.seq : revision);
  const cacheControl = request.revision === undefined ? 'no-cache' : IMMUTABLE;
  if (request.ifNoneMatch !== undefined && parseEtagList(request.ifNoneMatch).some((t) => `"${t}"` === etag || t === '*')) {
    return { status: 304, headers: [['ETag', etag], ['Cache-Control', cacheControl]] };
  }
  return {
    status: 200,
    headers: [
      ['Content-Type', media.type], ['Content-Length', String(media.bytes.byteLength)], ['ETag', etag], ['Cache-Control', cacheControl],
      // The HTML view links media, and a publisher may post text/html or SVG. CSP `sandbox`
      // (CSP3 §6.3.2) runs no script in it and gives it an opaque origin, so it cannot act as
      // this server with a browser's cached credentials; nosniff keeps other types from turning into HTML.
      ['Content-Security-Policy', 'sandbox'], ['X-Content-Type-Options', 'nosniff'],
    ],
    body: media.bytes,
  };
}

/** The newest row of the media link entry a key names: 404 when there is none, 410 once deleted. */
export async function findMediaMember(feed: FeedRecord, key: string, deps: Deps): Promise<EntryRecord & { readonly mediaSeq: number }> {
  const member = await memberNumber(feed, key, deps);
  const newest = member === undefined ? undefined : await deps.store.findMember(feed.id, member);
  if (newest?.kind === 'tombstone') throw new HttpError(410, `the media resource ${key.slice(0, 60)} of feed ${feed.name} was deleted`);
  if (newest === undefined || newest.mediaSeq === undefined) throw HttpError.notFound(`feed ${feed.name} has no media resource ${key.slice(0, 60)}`);
  return { ...newest, mediaSeq: newest.mediaSeq };
}
