import type { FeedRecord, PruneRule, Store } from '../storage/store.js';

/** Publishing prunes a feed with retention limits each time its log crosses a multiple of this. */
const PRUNE_EVERY = 64;

/** The feed's retention limits as a prune rule at time `now`, or undefined when it keeps everything. */
export function retentionRule(feed: FeedRecord, now: Date): PruneRule | undefined {
  const { maxAgeSeconds, maxCount } = feed.settings;
  if (maxAgeSeconds === undefined && maxCount === undefined) return undefined;
  return {
    olderThan: maxAgeSeconds === undefined ? undefined : new Date(now.getTime() - maxAgeSeconds * 1000).toISOString(),
    keepLast: maxCount,
  };
}

/**
 * Applies a feed's retention limits, one bounded chunk per transaction so readers and writers
 * never wait long. Returns how many rows were removed.
 */
export async function pruneFeed(store: Store, feed: FeedRecord, now: Date): Promise<number> {
  const rule = retentionRule(feed, now);
  if (rule === undefined) return 0;
  let total = 0;
  for (let removed = await store.prune(feed.id, rule); removed > 0; removed = await store.prune(feed.id, rule)) total += removed;
  return total;
}

/** True when an append that moved the log from `before` to `after` should prune on the way. */
export function isPruneDue(before: number, after: number): boolean {
  return Math.floor(before / PRUNE_EVERY) !== Math.floor(after / PRUNE_EVERY);
}
