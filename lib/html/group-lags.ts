import { statusOf } from '../atompub/groups/status.js';
import { GroupUrls } from '../atompub/groups/urls.js';
import type { Urls } from '../atompub/urls.js';
import type { FeedRecord, Store } from '../storage/store.js';
import type { SafeHtml } from './escape.js';
import { html } from './escape.js';

/**
 * The feed's consumer groups with their lag, for the HTML view's header (issue #15): each name
 * links to the group's status document. Nothing when the feed has no group.
 */
export async function renderGroupLags(feed: FeedRecord, urls: Urls, store: Store): Promise<SafeHtml | undefined> {
  const groups = await store.groups.listGroups(feed.id);
  if (groups.length === 0) return undefined;
  const floors = await store.groups.retentionFloors(feed.id);
  const groupUrls = new GroupUrls(urls, feed.name);
  const items = [];
  for (const group of groups) {
    const status = await statusOf(feed, group, store, floors);
    const parked = status.parked === 0 ? '' : `, ${status.parked} parked`;
    items.push(html`<li><a href="${groupUrls.group(group.name)}">${group.name}</a>: lag ${status.lag}${parked}</li>`);
  }
  return html`<section aria-labelledby="groups-heading"><h2 id="groups-heading">Consumer groups</h2><ul class="summary groups">${items}</ul></section>`;
}
