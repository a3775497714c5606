import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { NewEntry } from '../storage/store.js';
import { BatchTooLargeError, acceptDocument, acceptEntry } from '../xml/entry-wire.js';
import { mediaLinkEntryXml } from '../xml/media-entry.js';
import { InvalidDocumentError } from '../xml/parse.js';
import { assertXmlChars } from '../xml/wire.js';
import { parseMediaType } from './content-type.js';
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
    ({ atomId: `urn:uuid:${deps.newUuid()}`, kind: 'entry', updated: now.toISOString(), xml, mediaType, mediaSeq: undefined });
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
    ? renderFeedDocument({
      atomId: feed.atomId, title: feed.name, updated: feed.updated, author: deps.config.author, isArchive: false, entries: views,
      // RFC 4287 §4.1.1: a feed SHOULD link to itself. The batch's rows, read back as a page of the log.
      links: [{ rel: 'self', href: request.urls.feedPage(feed.name, { start_after: first.seq - 1 || undefined, limit: entries.length }) }],
    })
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
export async function entryXml(body: Uint8Array, author: string, isMediaLink = false): Promise<string> {
  try {
    return (await acceptEntry(body, author, isMediaLink)).xml;
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw HttpError.badRequest(error.message);
    throw error;
  }
}

/** The media type to store: the Content-Type's RFC 9110 normal form, or octet-stream when there is none. */
function mediaType(contentType: string | undefined): string {
  if (contentType === undefined || contentType.trim() === '') return 'application/octet-stream';
  return parseMediaType(contentType).normalized;
}

/**
 * RFC 5023 §9.7: Slug is percent-encoded UTF-8 in an ASCII header. It becomes the media link
 * entry's title, so it must decode to text XML 1.0 can hold; anything else is a 400 rather than
 * a title that breaks the feed for every consumer.
 */
function slugTitle(slug: string | undefined): string {
  if (slug === undefined || slug.trim() === '') return 'media';
  if (/[^\t\x20-\x7e]/.test(slug)) throw HttpError.badRequest('the Slug header must be ASCII; percent-encode other characters as UTF-8 (RFC 5023 §9.7)');
  let title: string;
  try {
    title = decodeURIComponent(slug);
  } catch {
    throw HttpError.badRequest('the Slug header is not percent-encoded UTF-8 (RFC 5023 §9.7)');
  }
  try {
    assertXmlChars(title, 'the decoded Slug');
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw HttpError.badRequest(error.message);
    throw error;
  }
  // Cut by code points, never between the two halves of a surrogate pair.
  return Array.from(title.trim() === '' ? 'media' : title).slice(0, 200).join('');
}
