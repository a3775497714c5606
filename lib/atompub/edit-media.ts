import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import type { FeedRecord } from '../storage/store.js';
import { parseMediaType } from './content-type.js';
import { positionEtag } from './etag.js';
import { expectedRevision } from './if-match.js';
import { findMediaMember } from './media.js';

/** A PUT of new bytes to a media resource's edit-media URI. */
export interface MediaEditRequest {
  readonly feed: FeedRecord;
  readonly key: string;
  readonly ifMatch: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/**
 * PUT on the edit-media URI (RFC 5023 §9.6, §11): replaces the media resource. As with an entry
 * PUT, the change reaches consumers as a new revision at the end of the log: the media link
 * entry keeps its atom:id and metadata, gets a new `updated`, and its `content/@src` names the
 * new bytes' own URI. `If-Match` with a stale ETag is a 412, checked inside the append's
 * transaction. Answers 204 with the new ETag of the edit-media URI.
 */
export async function replaceMedia(request: MediaEditRequest, deps: Deps): Promise<CoreResponse> {
  const { feed } = request;
  const current = await findMediaMember(feed, request.key, deps);
  const ifSeq = expectedRevision(feed, request.ifMatch);
  if (request.body.byteLength === 0) throw HttpError.badRequest('the body is empty; send the new media resource');
  const type = request.contentType === undefined || request.contentType.trim() === '' ? 'application/octet-stream' : parseMediaType(request.contentType).normalized;
  const { feed: updated, entries } = await deps.store.append({
    feed: feed.name,
    member: { key: current.member, ifSeq },
    entries: [{ atomId: current.atomId, kind: 'entry', updated: deps.now().toISOString(), xml: current.xml, mediaType: type, mediaSeq: undefined }],
    media: { type, bytes: request.body },
  });
  const seq = entries[0]?.seq ?? updated.lastSeq;
  return { status: 204, headers: [['ETag', positionEtag(updated, seq)]] };
}
