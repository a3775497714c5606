import type { Deps } from '../core/deps.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { FeedRecord } from '../storage/store.js';
import type { LinkView } from '../xml/render.js';
import { renderFeedDocument } from '../xml/render.js';
import { positionEtag } from './etag.js';
import { pageSizeOf } from './feed-page.js';
import { FEED_TYPE } from './media-types.js';
import { entryView, readableRows } from './members.js';
import type { Urls } from './urls.js';

/** The query value of the RFC 5005 subscription document: `{feed}?view=current`. */
export const CURRENT_VIEW = 'current';

/**
 * The RFC 5005 §4 subscription document ("current"): the newest rows of the log, those after
 * the last complete archive window, with `prev-archive` naming that window. A client that starts
 * here and follows `prev-archive` visits every row (entries, revisions, tombstones) exactly
 * once, since windows k·P+1 … (k+1)·P tile the log. The default GET of the feed stays the bus
 * log read from a cursor; this is the other way in, for archive-aware readers.
 */
export async function readCurrent(feed: FeedRecord, urls: Urls, deps: Deps): Promise<CoreResponse> {
  const pageSize = pageSizeOf(feed, deps);
  const complete = Math.floor(feed.lastSeq / pageSize);
  const rows = await readableRows(await deps.store.readAfter(feed.id, complete * pageSize, pageSize), deps);
  const links: LinkView[] = [
    { rel: 'self', href: urls.current(feed.name) },
    { rel: 'current', href: urls.current(feed.name) },
  ];
  if (complete >= 1) links.push({ rel: 'prev-archive', href: urls.archive(feed.name, complete) });
  const body = renderFeedDocument({
    atomId: feed.atomId, title: feed.name, updated: feed.updated, author: deps.config.author, links, isArchive: false,
    entries: rows.map((e) => (e.kind === 'tombstone' ? { tombstoneXml: e.xml } : entryView(feed, e, urls, deps.logError))),
  });
  return textResponse(200, FEED_TYPE, body, [['ETag', positionEtag(feed, feed.lastSeq)], ['Cache-Control', 'no-cache']]);
}
