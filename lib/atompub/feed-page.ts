import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse, HeaderList } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import type { LinkView } from '../xml/render.js';
import { renderFeedDocument, renderFeedOfMarkup } from '../xml/render.js';
import type { CursorInput } from './cursor.js';
import { resolveCursor } from './cursor.js';
import { parseEtagList, positionEtag } from './etag.js';
import { FEED_TYPE } from './media-types.js';
import { entryView, readableRows } from './members.js';
import { renderedEntry, sharedPage } from './tail/rendered.js';
import type { Urls } from './urls.js';
import { waitAtMost } from './wait.js';
import { GROUPS_REL, GroupUrls } from './groups/urls.js';

/** A request for one page of a feed's log. */
export interface FeedPageRequest {
  readonly feed: FeedRecord;
  readonly cursor: CursorInput;
  /** The `?limit=` parameter, if given. */
  readonly limit: string | undefined;
  readonly urls: Urls;
  /** Long polling: seconds an empty read may wait for the next commit; 0 for none. */
  readonly wait: number;
  /** Aborts when the client goes away, releasing a long poll at once. */
  readonly signal: AbortSignal | undefined;
}

/** The request headers that change a feed page; they go in `Vary` (RFC 9110 §12.5.5). */
const VARY = 'Xlastid, If-None-Match, Prefer';
/** RFC 5005 §4: archive documents never change, so caches may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The page size of a feed: its own setting, or the server's. */
export function pageSizeOf(feed: FeedRecord, deps: Deps): number {
  return feed.settings.pageSize ?? deps.config.pageSize;
}

/**
 * Answers a GET of the feed: the entries after the consumer's cursor, oldest first, at most a
 * page of them, with a `next` link when more follow. Every page, empty or not, carries an ETag
 * naming its last position, so a consumer can poll with `If-None-Match` from the start. An
 * empty read may wait for the next commit (long polling). A cursor that points at pruned rows
 * resumes at the oldest retained one, and the `AtomMQ-Pruned-Through` header says so.
 */
export async function readFeedPage(request: FeedPageRequest, deps: Deps): Promise<CoreResponse> {
  const { urls } = request;
  let feed = request.feed;
  const pageSize = pageSizeOf(feed, deps);
  const limit = parseLimit(request.limit, pageSize);
  const cursor = await resolveCursor(feed, request.cursor, deps.store);
  const position = Math.max(cursor.position, feed.prunedThrough);
  const headers: HeaderList = [['Vary', VARY], ['Cache-Control', 'no-cache']];
  if (cursor.position < feed.prunedThrough) headers.push(['AtomMQ-Pruned-Through', String(feed.prunedThrough)]);
  let page = await readContiguous(feed, position, limit, deps);
  if (page.entries.length === 0 && request.wait > 0) {
    await waitAtMost(request.wait, request.signal, (signal) => deps.store.waitForAppend(feed.id, position, signal));
    headers.push(['Preference-Applied', `wait=${request.wait}`]);
    feed = (await deps.store.findFeed(feed.name)) ?? feed;
    page = await readContiguous(feed, position, limit, deps);
  }
  const { hasMore } = page;
  const entries = await readableRows(page.entries, deps);
  const last = entries.at(-1)?.seq ?? position;
  const etag = positionEtag(feed, last);
  // 304 when the client already holds this very page (its ETag is in If-None-Match), or when
  // If-None-Match served as the cursor (AtomBus) and nothing came after it.
  const isCurrent = request.cursor.ifNoneMatch !== undefined && parseEtagList(request.cursor.ifNoneMatch).some((tag) => `"${tag}"` === etag);
  if (isCurrent || (entries.length === 0 && cursor.notModifiedAt === cursor.position)) {
    return { status: 304, headers: [['ETag', etag], ...headers] };
  }
  const explicitLimit = request.limit === undefined ? undefined : limit;
  const links: LinkView[] = [
    { rel: 'self', href: urls.feedPage(feed.name, { start_after: position || undefined, limit: explicitLimit }) },
    { rel: 'current', href: urls.current(feed.name) },
  ];
  if (hasMore) links.push({ rel: 'next', href: nextHref(feed, last, explicitLimit, pageSize, urls) });
  links.push({ rel: GROUPS_REL, href: new GroupUrls(urls, feed.name).list(), type: 'application/json' });
  // RFC 5005 §4: the newest complete window before this page is the previous archive.
  const window = Math.floor(position / pageSize);
  if (window >= 1) links.push({ rel: 'prev-archive', href: urls.archive(feed.name, window) });
  // Consumers woken by one commit at one position get one rendering of one page.
  const pageKey = [feed.atomId, feed.updated, urls.feed(feed.name), position, last, limit, explicitLimit, hasMore, feed.lastSeq, pageSize, deps.config.author].join(' ');
  const body = sharedPage(pageKey, () => renderFeedOfMarkup(
    { atomId: feed.atomId, title: feed.name, updated: feed.updated, author: deps.config.author, links, isArchive: false },
    entries.filter((e) => e.kind === 'tombstone').map((e) => renderedEntry(feed, e, urls, deps.logError)),
    entries.filter((e) => e.kind === 'entry').map((e) => renderedEntry(feed, e, urls, deps.logError))));
  return { status: 200, headers: [['Content-Type', FEED_TYPE], ['Content-Length', String(body.byteLength)], ['ETag', etag], ...headers], body };
}

/**
 * Answers a GET of archive window `k` (RFC 5005 §4): rows (k-1)·P+1 … k·P, where P is the feed's
 * page size. Only a complete window is an archive; its content can no longer change, so it is
 * served with a year-long immutable Cache-Control that lets any cache answer for the database.
 */
export async function readArchive(feed: FeedRecord, key: string, urls: Urls, deps: Deps): Promise<CoreResponse> {
  const pageSize = pageSizeOf(feed, deps);
  const k = /^[1-9]\d{0,12}$/.test(key) ? Number(key) : 0;
  if (k === 0 || k * pageSize > feed.lastSeq) throw HttpError.notFound(`feed ${feed.name} has no complete archive page ${key.slice(0, 40)}`);
  const entries = await readableRows(await deps.store.readAfter(feed.id, (k - 1) * pageSize, pageSize), deps);
  const isNextFull = (k + 1) * pageSize <= feed.lastSeq;
  const links: LinkView[] = [
    { rel: 'self', href: urls.archive(feed.name, k) },
    // RFC 5005 §4: `current` is the subscription document, where an archive walk starts.
    { rel: 'current', href: urls.current(feed.name) },
    { rel: 'next', href: nextHref(feed, k * pageSize, undefined, pageSize, urls) },
  ];
  if (k > 1) links.push({ rel: 'prev-archive', href: urls.archive(feed.name, k - 1) });
  if (isNextFull) links.push({ rel: 'next-archive', href: urls.archive(feed.name, k + 1) });
  const body = renderFeedDocument({
    atomId: feed.atomId, title: feed.name, updated: entries.at(-1)?.updated ?? feed.updated, author: deps.config.author, links, isArchive: true,
    entries: entries.map((e) => (e.kind === 'tombstone' ? { tombstoneXml: e.xml } : entryView(feed, e, urls, deps.logError))),
  });
  return textResponse(200, FEED_TYPE, body, [['ETag', positionEtag(feed, k * pageSize)], ['Cache-Control', IMMUTABLE]]);
}

/**
 * Where a consumer goes after position `last`: the archive URI when the next page is a complete
 * window (so caches can answer), otherwise the cursor URI.
 */
function nextHref(feed: FeedRecord, last: number, limit: number | undefined, pageSize: number, urls: Urls): string {
  const isAligned = limit === undefined && last % pageSize === 0;
  if (isAligned && last + pageSize <= feed.lastSeq) return urls.archive(feed.name, last / pageSize + 1);
  return urls.feedPage(feed.name, { start_after: last, limit });
}

/**
 * Reads up to `limit` rows after `position`, keeping only those that follow it without a gap,
 * and ending the page before a tombstone that follows an entry.
 * Sequence numbers are assigned in commit order, so a gap can only be a row whose commit is not
 * visible to this reader yet; stopping before it means a consumer never moves its cursor past an
 * entry it has not seen.
 */
async function readContiguous(feed: FeedRecord, position: number, limit: number, deps: Deps): Promise<{ entries: EntryRecord[]; hasMore: boolean }> {
  const rows = await deps.store.readAfter(feed.id, position, limit + 1);
  const kept: EntryRecord[] = [];
  for (const row of rows) {
    if (row.seq !== position + kept.length + 1 || kept.length === limit) break;
    // The Atom grammar (RFC 4287 §4.1.1) puts extension elements such as RFC 6721 tombstones
    // before the first entry; a page ends before a tombstone that follows an entry, so the next
    // page starts with it and the log order is kept exactly.
    if (row.kind === 'tombstone' && kept.some((k) => k.kind === 'entry')) break;
    kept.push(row);
  }
  return { entries: kept, hasMore: kept.length < rows.length };
}

function parseLimit(param: string | undefined, pageSize: number): number {
  if (param === undefined) return pageSize;
  if (!/^\d{1,9}$/.test(param) || Number(param) < 1) throw HttpError.badRequest(`limit must be a positive integer, not ${param.slice(0, 40)}`);
  return Math.min(Number(param), pageSize);
}
