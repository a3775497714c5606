import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { NewEntry } from '../storage/store.js';
import { BatchTooLargeError, acceptDocument, acceptEntry } from '../xml/entry-wire.js';
import { mediaLinkEntryXml } from '../xml/media-entry.js';
import { InvalidDocumentError } from '../xml/parse.js';
import { renderEntryDocument, renderFeedDocument } from '../xml/render.js';
import { positionEtag } from './etag.js';
import { idempotencyFor } from './idempotency.js';
import { isPruneDue, pruneFeed } from './retention.js';
import { ENTRY_TYPE, FEED_TYPE, isEntryMediaType } from './media-types.js';
import { entryView } from './members.js';
import type { Urls } from './urls.js';

/** A POST to a collection. */
export interface PublishRequest {
  readonly feed: string;
  readonly contentType: string | undefined;
  /** The `Slug` header (RFC 5023 §9.7), used as a media link entry's title. */
  readonly slug: string | undefined;
  /** The `Idempotency-Key` header. */
  readonly idempotencyKey: string | undefined;
  readonly body: Uint8Array;
  readonly urls: Urls;
}

/**
 * Publishes a message: an Atom entry; a batch of entries in an Atom feed document, all or none,
 * in one transaction and with consecutive sequence numbers; or, for any other media type, a
 * media resource with its media link entry (RFC 5023 §9.6), so a publisher can post JSON
 * directly. The server assigns each `atom:id`, `updated` time and place in the log, stores them
 * durably, and answers 201 with what it stored (RFC 5023 §9.2). The first POST creates the feed.
 */
export async function publish(request: PublishRequest, deps: Deps): Promise<CoreResponse> {
  const isMedia = !isEntryMediaType(request.contentType);
  if (isMedia && request.body.byteLength === 0) throw HttpError.badRequest('the body is empty; send a message');
  const now = deps.now();
  const idempotency = await idempotencyFor(request.idempotencyKey, request.contentType, request.body, now, deps.config.idempotencySeconds);
  const newEntry = (xml: string, mediaType: string | undefined): NewEntry =>
    ({ atomId: `urn:uuid:${deps.newUuid()}`, kind: 'entry', updated: now.toISOString(), xml, mediaType });
  const posted = isMedia ? undefined : await acceptPosted(request.body, deps);
  const { feed, entries, replayed } = await deps.store.append({
    feed: request.feed,
    entries: posted === undefined
      ? [newEntry(mediaLinkEntryXml(slugTitle(request.slug), deps.config.author, mediaType(request.contentType), request.body.byteLength), mediaType(request.contentType))]
      : posted.entries.map((xml) => newEntry(xml, undefined)),
    media: isMedia ? { type: mediaType(request.contentType), bytes: request.body } : undefined,
    idempotency,
  });
  if (!replayed && isPruneDue(feed.lastSeq - entries.length, feed.lastSeq)) await pruneFeed(deps.store, feed, now);
  const [first] = entries;
  const last = entries.at(-1);
  if (first === undefined || last === undefined) throw new Error('publish: the store returned no entry');
  const views = entries.map((e) => entryView(feed, e, request.urls));
  const isBatch = posted?.isBatch === true;
  const body = isBatch
    ? renderFeedDocument({ atomId: feed.atomId, title: feed.name, updated: feed.updated, author: deps.config.author, links: [], isArchive: false, entries: views })
    : renderEntryDocument(views[0] ?? entryView(feed, first, request.urls));
  return textResponse(201, isBatch ? FEED_TYPE : ENTRY_TYPE, body, [
    // RFC 5023 §9.2: Location MUST be returned; Content-Location equal to it says the body is
    // the complete member representation. A batch's Location is its first member.
    ['Location', views[0]?.memberHref ?? ''],
    ...(isBatch ? [] : [['Content-Location', views[0]?.memberHref ?? ''] as const]),
    ['ETag', positionEtag(feed, last.seq)],
    ...(replayed ? [['Idempotent-Replayed', 'true'] as const] : []),
  ]);
}

/** Parses a posted entry or batch into stored forms, turning document problems into 400s and 413s. */
async function acceptPosted(body: Uint8Array, deps: Deps): Promise<{ isBatch: boolean; entries: string[] }> {
  try {
    const accepted = await acceptDocument(body, deps.config.author, deps.config.maxBatchEntries);
    return accepted.kind === 'entry'
      ? { isBatch: false, entries: [accepted.entry.xml] }
      : { isBatch: true, entries: accepted.entries.map((e) => e.xml) };
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw HttpError.badRequest(error.message);
    if (error instanceof BatchTooLargeError) throw new HttpError(413, error.message);
    throw error;
  }
}

/** Parses a posted entry into its stored form, turning document problems into 400s. */
export async function entryXml(body: Uint8Array, author: string): Promise<string> {
  try {
    return (await acceptEntry(body, author)).xml;
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw HttpError.badRequest(error.message);
    throw error;
  }
}

/** The media type to store: the Content-Type as sent, or octet-stream when there is none. */
function mediaType(contentType: string | undefined): string {
  const type = (contentType ?? '').trim();
  if (type.length > 255) throw HttpError.badRequest('the Content-Type is longer than 255 characters');
  return /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(type) && !/[\r\n]/.test(type) ? type : 'application/octet-stream';
}

/** RFC 5023 §9.7: Slug is percent-encoded UTF-8; it only ever becomes escaped element text. */
function slugTitle(slug: string | undefined): string {
  if (slug === undefined || slug.trim() === '') return 'media';
  try {
    return decodeURIComponent(slug).slice(0, 200);
  } catch {
    return slug.slice(0, 200);
  }
}
