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
  const limits = retentionRule(feed, now);
  if (limits === undefined) return 0;
  // Consumer groups hold the log back: never past an entry a group still has to deliver, and by
  // count never past a parked one. A group's needs only move forward while this runs, so floors
  // read before the prune are safe.
  const floors = await store.groups.retentionFloors(feed.id);
  const rule: PruneRule = floors.length === 0 ? limits : {
    ...limits,
    keepFrom: Math.min(...floors.map((f) => f.unfinishedFrom)),
    keepParkedFrom: Math.min(...floors.map((f) => f.parkedFrom ?? Infinity)),
  };
  let total = 0;
  for (let removed = await store.prune(feed.id, rule); removed > 0; removed = await store.prune(feed.id, rule)) total += removed;
  if (total > 0 && floors.length > 0) {
    const pruned = await store.findFeed(feed.name);
    if (pruned !== undefined) await store.groups.forgetPruned(pruned, pruned.prunedThrough);
  }
  return total;
}

/** True when an append that moved the log from `before` to `after` should prune on the way. */
export function isPruneDue(before: number, after: number): boolean {
  return Math.floor(before / PRUNE_EVERY) !== Math.floor(after / PRUNE_EVERY);
}
