import type { FeedSettings, PruneRule } from './store.js';

/**
 * The retention arithmetic every store shares; each store only runs the queries.
 */

/** The most rows one prune call removes, so a big cut never holds a feed's lock for long. */
export const PRUNE_CHUNK = 10_000;

/** The feed settings columns, by the name the API uses. */
export const SETTING_COLUMNS: ReadonlyArray<readonly [keyof FeedSettings, string]> = [
  ['maxAgeSeconds', 'max_age_seconds'], ['maxCount', 'max_count'], ['pageSize', 'page_size'],
];

/**
 * Where a prune cuts the log: rows with `seq <= cut` go. Always a prefix, so no row newer than a
 * kept one is removed. By count: all but the newest `keepLast`. By age: every row before
 * `firstYoung`, the first row not older than the limit (undefined: every row is older). Never
 * past `lastSeq`, never back, and at most {@link PRUNE_CHUNK} rows beyond `prunedThrough`.
 */
export function pruneCut(lastSeq: number, prunedThrough: number, rule: PruneRule, firstYoung: number | undefined): number {
  // Consumer groups: never an entry a group still needs; parked ones only by age (issue #15).
  const needed = (rule.keepFrom ?? Infinity) - 1;
  let cut = prunedThrough;
  if (rule.keepLast !== undefined) cut = Math.max(cut, Math.min(lastSeq - rule.keepLast, needed, (rule.keepParkedFrom ?? Infinity) - 1));
  if (rule.olderThan !== undefined) cut = Math.max(cut, Math.min(firstYoung === undefined ? lastSeq : firstYoung - 1, needed));
  return Math.min(cut, lastSeq, prunedThrough + PRUNE_CHUNK);
}
