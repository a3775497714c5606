import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { FeedRecord } from '../storage/store.js';
import { renderEntryDocument, renderTombstone } from '../xml/render.js';
import { positionEtag } from './etag.js';
import { expectedRevision } from './if-match.js';
import { ENTRY_TYPE, isEntryMediaType } from './media-types.js';
import { entryView, findMemberRow } from './members.js';
import { entryXml } from './publish.js';
import type { Urls } from './urls.js';

/** A PUT or DELETE of one member. */
export interface EditRequest {
  readonly feed: FeedRecord;
  readonly key: string;
  readonly ifMatch: string | undefined;
  readonly urls: Urls;
}

/**
 * PUT: replaces a member (RFC 5023 §9.3). On a bus an edit must reach consumers, so the new
 * version is a new row at the end of the log: same `atom:id` and member URI, new `updated`,
 * `app:edited` and ETag. `If-Match` with a stale ETag is a 412, checked inside the append's
 * transaction so two racing edits cannot both win.
 */
export async function replaceMember(request: EditRequest & { readonly contentType: string | undefined; readonly body: Uint8Array }, deps: Deps): Promise<CoreResponse> {
  const { feed, urls } = request;
  const current = await findMemberRow(feed, request.key, deps);
  const ifSeq = expectedRevision(feed, request.ifMatch);
  if (!isEntryMediaType(request.contentType)) throw HttpError.unsupportedMediaType(request.contentType ?? '');
  const xml = await entryXml(request.body, deps.config.author, current.mediaType !== undefined);
  const { feed: updated, entries } = await deps.store.append({
    feed: feed.name,
    member: { key: current.member, ifSeq },
    entries: [{ atomId: current.atomId, kind: 'entry', updated: deps.now().toISOString(), xml, mediaType: current.mediaType, mediaSeq: current.mediaSeq }],
  });
  const [entry] = entries;
  if (entry === undefined) throw new Error('edit: the store returned no entry');
  return textResponse(200, ENTRY_TYPE, renderEntryDocument(entryView(updated, entry, urls)), [['ETag', positionEtag(updated, entry.seq)]]);
}

/**
 * DELETE: removes a member from the collection and announces it on the bus with an RFC 6721
 * tombstone appended to the log. Answers 200, the only success XML::Atom::Client accepts.
 */
export async function deleteMember(request: EditRequest, deps: Deps): Promise<CoreResponse> {
  const { feed } = request;
  const current = await findMemberRow(feed, request.key, deps);
  const ifSeq = expectedRevision(feed, request.ifMatch);
  const when = deps.now().toISOString();
  const { feed: updated, entries } = await deps.store.append({
    feed: feed.name,
    member: { key: current.member, ifSeq },
    entries: [{ atomId: current.atomId, kind: 'tombstone', updated: when, xml: renderTombstone(current.atomId, when), mediaType: undefined, mediaSeq: undefined }],
  });
  const seq = entries[0]?.seq ?? updated.lastSeq;
  return textResponse(200, 'text/plain; charset=utf-8', `deleted ${current.atomId}\n`, [['ETag', positionEtag(updated, seq)]]);
}
