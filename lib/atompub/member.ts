import type { Deps } from '../core/deps.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { FeedRecord } from '../storage/store.js';
import { renderEntryDocument } from '../xml/render.js';
import { parseEtagList, positionEtag } from './etag.js';
import { ENTRY_TYPE } from './media-types.js';
import { entryView, findMemberRow, readableRows } from './members.js';
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
  const [entry] = await readableRows([await findMemberRow(feed, request.key, deps)], deps);
  if (entry === undefined) throw new Error('member: no row');
  const etag = positionEtag(feed, entry.seq);
  if (request.ifNoneMatch !== undefined && parseEtagList(request.ifNoneMatch).some((t) => `"${t}"` === etag || t === '*')) {
    return { status: 304, headers: [['ETag', etag]] };
  }
  const body = renderEntryDocument(entryView(feed, entry, urls, deps.logError));
  return textResponse(200, ENTRY_TYPE, body, [['ETag', etag], ['Cache-Control', 'no-cache']]);
}
