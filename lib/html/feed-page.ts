import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import type { CursorInput } from '../atompub/cursor.js';
import { resolveCursor } from '../atompub/cursor.js';
import { pageSizeOf } from '../atompub/feed-page.js';
import { FEED_TYPE } from '../atompub/media-types.js';
import type { Urls } from '../atompub/urls.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import { html } from './escape.js';
import { renderMessages } from './messages.js';
import { htmlResponse } from './page.js';
import { renderGroupLags } from './group-lags.js';

/** Messages on one HTML page unless `?limit=` says otherwise: a screenful or two, not a log page. */
const HTML_PAGE_SIZE = 50;

/** A browser's GET of a feed. */
export interface FeedPageViewRequest {
  readonly feed: FeedRecord;
  readonly cursor: CursorInput;
  readonly limit: string | undefined;
  readonly urls: Urls;
  /** Holds the HTML page's own weak ETag on revalidation; never read as a cursor here. */
  readonly ifNoneMatch: string | undefined;
}

/**
 * The HTML view of a feed: its newest messages, newest at the bottom, with paging to older ones.
 * The same cursors as the Atom feed (`?start_after=`, …) pick an older page. On the newest page
 * the script follows the event stream, and a form publishes a message.
 */
export async function renderFeedPage(request: FeedPageViewRequest, deps: Deps): Promise<CoreResponse> {
  const { feed } = request;
  const limit = parseLimit(request.limit, pageSizeOf(feed, deps));
  const { startAfter, startAt, lastId } = request.cursor;
  const hasCursor = startAfter !== undefined || startAt !== undefined || lastId !== undefined;
  const position = hasCursor
    ? (await resolveCursor(feed, { startAfter, startAt, lastId, ifNoneMatch: undefined }, deps.store)).position
    : Math.max(0, feed.lastSeq - limit);
  return renderLogPage(feed, Math.max(position, feed.prunedThrough), limit, request.urls, request.ifNoneMatch, deps);
}

/** The HTML view of RFC 5005 archive window `k`: the same page, for the window's positions. */
export async function renderArchivePage(feed: FeedRecord, key: string, urls: Urls, ifNoneMatch: string | undefined, deps: Deps): Promise<CoreResponse> {
  const pageSize = pageSizeOf(feed, deps);
  const k = /^[1-9]\d{0,12}$/.test(key) ? Number(key) : 0;
  if (k === 0 || k * pageSize > feed.lastSeq) throw HttpError.notFound(`feed ${feed.name} has no complete archive page ${key.slice(0, 40)}`);
  return renderLogPage(feed, Math.max((k - 1) * pageSize, feed.prunedThrough), pageSize, urls, ifNoneMatch, deps);
}

async function renderLogPage(feed: FeedRecord, position: number, limit: number, urls: Urls, ifNoneMatch: string | undefined, deps: Deps): Promise<CoreResponse> {
  const rows = contiguous(await deps.store.readAfter(feed.id, position, limit), position);
  const last = rows.at(-1)?.seq ?? position;
  const isNewest = last >= feed.lastSeq;
  const feedUrl = urls.feed(feed.name);
  const older = position > feed.prunedThrough ? urls.feedPage(feed.name, { start_after: Math.max(0, position - limit), limit }) : undefined;
  const newer = isNewest ? undefined : urls.feedPage(feed.name, { start_after: last, limit });
  const count = feed.lastSeq - feed.prunedThrough;
  const main = html`<header>
<nav><a href="${urls.service()}">All feeds</a></nav>
<h1>${feed.name}</h1>
<p class="summary">${count} ${count === 1 ? 'message' : 'messages'} in the log · <a href="${feedUrl}" type="${FEED_TYPE}">Atom feed</a></p>
${await renderGroupLags(feed, urls, deps.store)}
</header>
<main>
<h2 id="messages-heading">Messages ${rows.length === 0 ? '' : `#${rows[0]?.seq ?? ''}–#${last}`}</h2>
<nav class="pager" aria-label="Pages">${older === undefined ? html`<span></span>` : html`<a href="${older}">← Older messages</a>`}${newer === undefined ? '' : html`<a href="${newer}">Newer messages →</a> <a href="${feedUrl}">Newest</a>`}</nav>
<ol id="messages" class="messages" aria-labelledby="messages-heading" data-last-seq="${last}"${isNewest ? html` data-stream="${feedUrl}"` : ''}>
${await renderMessages(feed, rows, urls, deps)}
</ol>
${rows.length === 0 ? html`<p id="no-messages">No messages yet.</p>` : ''}
${isNewest ? html`<p id="live-status" role="status" aria-live="polite">Live updates need JavaScript.</p>` : ''}
<form id="publish" data-post="${feedUrl}" aria-labelledby="publish-heading">
<h2 id="publish-heading">Publish a message</h2>
<label for="publish-title">Title</label>
<input id="publish-title" name="title" required maxlength="1000" autocomplete="off">
<label for="publish-text">Text</label>
<textarea id="publish-text" name="text" rows="4"></textarea>
<button type="submit">Publish</button>
<p id="publish-status" role="status" aria-live="polite"></p>
</form>
</main>`;
  return htmlResponse({ title: `${feed.name} · AtomMQ`, base: urls.base, main, alternate: { href: feedUrl, type: FEED_TYPE } }, ifNoneMatch);
}

/** The rows that follow `position` without a gap (a gap is a commit this reader cannot see yet). */
function contiguous(rows: readonly EntryRecord[], position: number): EntryRecord[] {
  const kept: EntryRecord[] = [];
  for (const row of rows) {
    if (row.seq !== position + kept.length + 1) break;
    kept.push(row);
  }
  return kept;
}

function parseLimit(param: string | undefined, pageSize: number): number {
  if (param === undefined) return Math.min(HTML_PAGE_SIZE, pageSize);
  if (!/^\d{1,9}$/.test(param) || Number(param) < 1) throw HttpError.badRequest(`limit must be a positive integer, not ${param.slice(0, 40)}`);
  return Math.min(Number(param), pageSize);
}
