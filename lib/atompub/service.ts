import type { Deps } from '../core/deps.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { FeedRecord } from '../storage/store.js';
import { renderServiceDocument } from '../xml/render.js';
import { EDITED_VIEW } from './collection-view.js';
import { ENTRY_TYPE, SERVICE_TYPE } from './media-types.js';
import type { Urls } from './urls.js';

/**
 * Answers a GET of the AtomPub service document (RFC 5023 §8): one collection per feed. The
 * collection href is the feed's AtomPub view (newest edit first, one entry per member), which is
 * what RFC 5023 §10 clients expect; POST works there as on the plain feed URL. Entries are
 * accepted, and any other media type becomes a media resource (RFC 5023 §9.6), hence an accept of any type.
 */
export function readServiceDocument(feeds: readonly FeedRecord[], urls: Urls, deps: Deps): CoreResponse {
  const collections = feeds.map((feed) => ({
    title: feed.name,
    href: urls.feedPage(feed.name, { view: EDITED_VIEW }),
    accept: [ENTRY_TYPE, '*/*'],
  }));
  return textResponse(200, SERVICE_TYPE, renderServiceDocument(deps.config.title, collections), [['Cache-Control', 'no-cache']]);
}
