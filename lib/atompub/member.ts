import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import { renderEntryDocument } from '../xml/render.js';
import { parseEtagList, positionEtag } from './etag.js';
import { ENTRY_TYPE } from './media-types.js';
import type { Urls } from './urls.js';

/** A request for one member of a collection. */
export interface MemberRequest {
  readonly feed: FeedRecord;
  /** The `{key}` of the URI: the member's first sequence number, or its uuid (AtomBus form). */
  readonly key: string;
  readonly ifNoneMatch: string | undefined;
  readonly urls: Urls;
}

/** Answers a GET of one member with its newest revision, its ETag, and 304 when unchanged. */
export async function readMember(request: MemberRequest, deps: Deps): Promise<CoreResponse> {
  const { feed, urls } = request;
  const entry = await findMember(feed, request.key, deps);
  const etag = positionEtag(feed, entry.seq);
  if (request.ifNoneMatch !== undefined && parseEtagList(request.ifNoneMatch).some((t) => `"${t}"` === etag || t === '*')) {
    return { status: 304, headers: [['ETag', etag]] };
  }
  const memberHref = urls.member(feed.name, entry.member);
  const body = renderEntryDocument({ atomId: entry.atomId, updated: entry.updated, xml: entry.xml, memberHref });
  return textResponse(200, ENTRY_TYPE, body, [['ETag', etag], ['Cache-Control', 'no-cache']]);
}

/** Finds the newest revision of the member a key names, or throws 404. */
async function findMember(feed: FeedRecord, key: string, deps: Deps): Promise<EntryRecord> {
  let member: number | undefined;
  if (/^[1-9]\d{0,14}$/.test(key)) member = Number(key);
  else if (/^(urn:uuid:)?[0-9a-f-]{36}$/i.test(key)) {
    member = (await deps.store.findByAtomId(feed.id, key.startsWith('urn:uuid:') ? key : `urn:uuid:${key}`))?.member;
  }
  const entry = member === undefined ? undefined : await deps.store.findMember(feed.id, member);
  if (entry === undefined || entry.kind !== 'entry') throw HttpError.notFound(`feed ${feed.name} has no entry ${key.slice(0, 60)}`);
  return entry;
}
