import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import { renderFeedDocument } from '../xml/render.js';
import type { CursorInput } from './cursor.js';
import { resolveCursor } from './cursor.js';
import { positionEtag } from './etag.js';
import { FEED_TYPE } from './media-types.js';
import { entryView } from './members.js';
import type { Urls } from './urls.js';

/** A request for one page of a feed's log. */
export interface FeedPageRequest {
  readonly feed: FeedRecord;
  readonly cursor: CursorInput;
  /** The `?limit=` parameter, if given. */
  readonly limit: string | undefined;
  readonly urls: Urls;
}

/** The request headers that change a feed page; they go in `Vary` (RFC 9110 §12.5.5). */
const VARY = 'Xlastid, If-None-Match';

/**
 * Answers a GET of the feed: the entries after the consumer's cursor, oldest first, at most a
 * page of them, with a `next` link when more follow. Every page, empty or not, carries an ETag
 * naming its last position, so a consumer can poll with `If-None-Match` from the start.
 */
export async function readFeedPage(request: FeedPageRequest, deps: Deps): Promise<CoreResponse> {
  const { feed, urls } = request;
  const limit = parseLimit(request.limit, deps.config.pageSize);
  const { position, notModifiedAt } = await resolveCursor(feed, request.cursor, deps.store);
  const rows = await deps.store.readAfter(feed.id, position, limit + 1);
  const entries = contiguousFrom(position, rows).slice(0, limit);
  const last = entries.at(-1)?.seq ?? position;
  const etag = positionEtag(feed, last);
  if (entries.length === 0 && notModifiedAt === position) {
    return { status: 304, headers: [['ETag', etag], ['Vary', VARY]] };
  }
  const limitParam = request.limit === undefined ? undefined : limit;
  const links = [{ rel: 'self', href: urls.feedPage(feed.name, { start_after: position || undefined, limit: limitParam }) }];
  if (entries.length < rows.length) {
    links.push({ rel: 'next', href: urls.feedPage(feed.name, { start_after: last, limit: limitParam }) });
  }
  const body = renderFeedDocument({
    atomId: feed.atomId,
    title: feed.name,
    updated: feed.updated,
    author: deps.config.author,
    links,
    entries: entries.map((e) => (e.kind === 'tombstone' ? { tombstoneXml: e.xml } : entryView(feed, e, urls))),
  });
  return textResponse(200, FEED_TYPE, body, [['ETag', etag], ['Vary', VARY], ['Cache-Control', 'no-cache']]);
}

/**
 * Keeps the rows that follow `position` without a gap. Sequence numbers are assigned in commit
 * order, so a gap can only be a row whose commit is not visible to this reader yet; stopping
 * before it means a consumer never moves its cursor past an entry it has not seen.
 */
function contiguousFrom(position: number, rows: readonly EntryRecord[]): EntryRecord[] {
  const kept: EntryRecord[] = [];
  for (const row of rows) {
    if (row.seq !== position + kept.length + 1) break;
    kept.push(row);
  }
  return kept;
}

function parseLimit(param: string | undefined, pageSize: number): number {
  if (param === undefined) return pageSize;
  if (!/^\d{1,9}$/.test(param) || Number(param) < 1) throw HttpError.badRequest(`limit must be a positive integer, not ${param.slice(0, 40)}`);
  return Math.min(Number(param), pageSize);
}
