import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { FeedRecord } from '../storage/store.js';
import { renderFeedDocument } from '../xml/render.js';
import { positionEtag } from './etag.js';
import { FEED_TYPE } from './media-types.js';
import { entryView, readableRows } from './members.js';
import type { Urls } from './urls.js';

/** The query value that selects the AtomPub view of a collection: `{feed}?view=edited`. */
export const EDITED_VIEW = 'edited';

/**
 * The AtomPub view of a collection (RFC 5023 §10): one entry per member, its newest revision,
 * newest `app:edited` first, deleted members absent. The bus log at the plain feed URL is the
 * other view of the same rows. Paging goes backwards with `before={seq}`.
 */
export async function readEditedView(feed: FeedRecord, before: string | undefined, urls: Urls, deps: Deps): Promise<CoreResponse> {
  if (before !== undefined && !/^\d{1,15}$/.test(before)) throw HttpError.badRequest(`before must be a sequence number, not ${before.slice(0, 40)}`);
  const limit = deps.config.pageSize;
  const beforeSeq = before === undefined ? Number.MAX_SAFE_INTEGER : Number(before);
  const rows = await deps.store.readMembers(feed.id, beforeSeq, limit + 1);
  const page = await readableRows(rows.slice(0, limit), deps);
  const links = [{ rel: 'self', href: urls.feedPage(feed.name, { view: EDITED_VIEW, before }) }, { rel: 'current', href: urls.current(feed.name) }];
  const last = page.at(-1);
  if (rows.length > limit && last !== undefined) links.push({ rel: 'next', href: urls.feedPage(feed.name, { view: EDITED_VIEW, before: last.seq }) });
  const body = renderFeedDocument({
    atomId: feed.atomId, title: feed.name, updated: feed.updated, author: deps.config.author, links, isArchive: false,
    entries: page.map((e) => entryView(feed, e, urls, deps.logError)),
  });
  return textResponse(200, FEED_TYPE, body, [['ETag', positionEtag(feed, feed.lastSeq)], ['Cache-Control', 'no-cache']]);
}
