import { pruneFeed } from './atompub/retention.js';
import type { FeedRecord, FeedSettings, Store } from './storage/store.js';

/**
 * Feed administration, shared by the `atommq feeds …` and `atommq prune` commands and by the
 * long-lived servers' background maintenance.
 */

/** One line per feed: name, live entries (when counted), rows so far, pruned prefix, and its settings. */
export function describeFeed(feed: FeedRecord, entries?: number): string {
  const { maxAgeSeconds, maxCount, pageSize } = feed.settings;
  const setting = (name: string, value: number | undefined): string => (value === undefined ? '' : ` ${name}=${value}`);
  return `${feed.name}${entries === undefined ? '' : `\tentries=${entries}`}\tlast_seq=${feed.lastSeq}\tpruned_through=${feed.prunedThrough}\tupdated=${feed.updated}` +
    `${setting('max_age', maxAgeSeconds)}${setting('max_count', maxCount)}${setting('page_size', pageSize)}`;
}

/**
 * Parses `--max-age`, `--max-count` and `--page-size` values: a positive integer sets the
 * limit, `none` clears it, and an absent flag leaves it as it is.
 */
export function parseSettings(values: Readonly<Record<string, string | undefined>>): Partial<FeedSettings> {
  const settings: { -readonly [K in keyof FeedSettings]?: number | undefined } = {};
  const read = (flag: string, key: keyof FeedSettings): void => {
    const text = values[flag];
    if (text === undefined) return;
    if (text === 'none') settings[key] = undefined;
    else if (/^\d+$/.test(text) && Number(text) > 0) settings[key] = Number(text);
    else throw new Error(`--${flag} must be a positive integer or "none", not ${text}`);
  };
  read('max-age', 'maxAgeSeconds');
  read('max-count', 'maxCount');
  read('page-size', 'pageSize');
  return settings;
}

/**
 * Applies every feed's retention limits (or one feed's) and forgets expired idempotency keys.
 * Returns the rows removed per feed.
 */
export async function runMaintenance(store: Store, now: Date, idempotencySeconds: number, only?: string): Promise<Map<string, number>> {
  const removed = new Map<string, number>();
  const feeds = only === undefined ? await store.listFeeds() : [await store.findFeed(only)].filter((f): f is FeedRecord => f !== undefined);
  for (const feed of feeds) removed.set(feed.name, await pruneFeed(store, feed, now));
  await store.expireIdempotencyKeys(new Date(now.getTime() - idempotencySeconds * 1000).toISOString());
  return removed;
}
