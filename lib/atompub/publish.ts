import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { NewEntry } from '../storage/store.js';
import { acceptEntry } from '../xml/entry-wire.js';
import { mediaLinkEntryXml } from '../xml/media-entry.js';
import { InvalidDocumentError } from '../xml/parse.js';
import { renderEntryDocument } from '../xml/render.js';
import { positionEtag } from './etag.js';
import { idempotencyFor } from './idempotency.js';
import { isPruneDue, pruneFeed } from './retention.js';
import { ENTRY_TYPE, isEntryMediaType } from './media-types.js';
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
 * Publishes one message: an Atom entry, or, for any other media type, a media resource with its
 * media link entry (RFC 5023 §9.6), so a publisher can post JSON directly. The server assigns the
 * `atom:id`, the `updated` time and the place in the log, stores it durably, and answers 201
 * with the stored entry (RFC 5023 §9.2). The first POST to a feed creates it.
 */
export async function publish(request: PublishRequest, deps: Deps): Promise<CoreResponse> {
  const isMedia = !isEntryMediaType(request.contentType);
  if (isMedia && request.body.byteLength === 0) throw HttpError.badRequest('the body is empty; send a message');
  const now = deps.now();
  const idempotency = await idempotencyFor(request.idempotencyKey, request.contentType, request.body, now, deps.config.idempotencySeconds);
  const base = { atomId: `urn:uuid:${deps.newUuid()}`, kind: 'entry', updated: now.toISOString() } as const;
  const entry: NewEntry = isMedia
    ? { ...base, xml: mediaLinkEntryXml(slugTitle(request.slug), deps.config.author), mediaType: mediaType(request.contentType) }
    : { ...base, xml: await entryXml(request.body, deps.config.author), mediaType: undefined };
  const { feed, entries, replayed } = await deps.store.append({
    feed: request.feed,
    entries: [entry],
    media: isMedia ? { type: entry.mediaType ?? 'application/octet-stream', bytes: request.body } : undefined,
    idempotency,
  });
  if (!replayed && isPruneDue(feed.lastSeq - entries.length, feed.lastSeq)) await pruneFeed(deps.store, feed, now);
  const [stored] = entries;
  if (stored === undefined) throw new Error('publish: the store returned no entry');
  const view = entryView(feed, stored, request.urls);
  return textResponse(201, ENTRY_TYPE, renderEntryDocument(view), [
    // RFC 5023 §9.2: Location MUST be returned; Content-Location equal to it says the body is
    // the complete member representation.
    ['Location', view.memberHref],
    ['Content-Location', view.memberHref],
    ['ETag', positionEtag(feed, stored.seq)],
    ...(replayed ? [['Idempotent-Replayed', 'true'] as const] : []),
  ]);
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
