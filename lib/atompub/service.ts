import type { Deps } from '../core/deps.js';
import type { CoreResponse } from '../core/response.js';
import { textResponse } from '../core/response.js';
import type { FeedRecord } from '../storage/store.js';
import { renderServiceDocument } from '../xml/render.js';
import { ENTRY_TYPE, SERVICE_TYPE } from './media-types.js';
import type { Urls } from './urls.js';

/** Answers a GET of the AtomPub service document (RFC 5023 §8): one collection per feed. */
export function readServiceDocument(feeds: readonly FeedRecord[], urls: Urls, deps: Deps): CoreResponse {
  const collections = feeds.map((feed) => ({ title: feed.name, href: urls.feed(feed.name), accept: [ENTRY_TYPE] }));
  return textResponse(200, SERVICE_TYPE, renderServiceDocument(deps.config.title, collections), [['Cache-Control', 'no-cache']]);
}
