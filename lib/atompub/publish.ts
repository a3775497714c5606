import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import { acceptEntry } from '../xml/entry-wire.js';
import { InvalidDocumentError } from '../xml/parse.js';
import { renderEntryDocument } from '../xml/render.js';
import { positionEtag } from './etag.js';
import { ENTRY_TYPE, isEntryMediaType } from './media-types.js';
import type { Urls } from './urls.js';

/** A POST to a collection. */
export interface PublishRequest {
  readonly feed: string;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  readonly urls: Urls;
}

/**
 * Publishes one entry: the server assigns its `atom:id`, its `updated` time and its place in the
 * log, stores it durably, and answers 201 with the stored entry (RFC 5023 §9.2). The first POST
 * to a feed creates it.
 */
export async function publishEntry(request: PublishRequest, deps: Deps): Promise<CoreResponse> {
  if (!isEntryMediaType(request.contentType)) throw HttpError.unsupportedMediaType(request.contentType ?? '');
  let xml: string;
  try {
    ({ xml } = await acceptEntry(request.body, deps.config.author));
  } catch (error) {
    if (error instanceof InvalidDocumentError) throw HttpError.badRequest(error.message);
    throw error;
  }
  const { feed, entries } = await deps.store.append({
    feed: request.feed,
    entries: [{ atomId: `urn:uuid:${deps.newUuid()}`, kind: 'entry', updated: deps.now().toISOString(), xml }],
  });
  const [entry] = entries;
  if (entry === undefined) throw new Error('publish: the store returned no entry');
  const location = request.urls.member(feed.name, entry.member);
  const body = renderEntryDocument({ atomId: entry.atomId, updated: entry.updated, xml: entry.xml, memberHref: location });
  return textResponse(201, ENTRY_TYPE, body, [
    // RFC 5023 §9.2: Location MUST be returned; Content-Location equal to it says the body is
    // the complete member representation.
    ['Location', location],
    ['Content-Location', location],
    ['ETag', positionEtag(feed, entry.seq)],
  ]);
}
