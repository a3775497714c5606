import type { Session, SqlDialect } from './dialect.js';
import { lockFeed, writeFeed } from './feed-lock.js';
import { feedKey, integerField } from './rows.js';
import type { FeedRecord, FeedSettings, PruneRule } from './store.js';

/** The most rows one prune call removes, so a big cut never holds a feed's lock for long. */
export const PRUNE_CHUNK = 10_000;

/** The feed settings columns, by the name the API uses. */
const SETTING_COLUMNS: ReadonlyArray<readonly [keyof FeedSettings, string]> = [['maxAgeSeconds', 'max_age_seconds'], ['maxCount', 'max_count'], ['pageSize', 'page_size']];

/** Sets the given settings (a key given as undefined clears it), creating the feed if needed. */
export async function updateFeedSettings(db: Session, d: SqlDialect, name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
  const feed = await lockFeed(db, d, name);
  const changed = SETTING_COLUMNS.filter(([key]) => key in settings);
  if (changed.length === 0) return feed;
  for (const [key, column] of changed) {
    // Refused before writing: SQLite would store it and fail reading back, MySQL round it.
    const value = settings[key];
    if (value !== undefined && !Number.isSafeInteger(value)) throw new TypeError(`store: column ${column} is not an integer`);
  }
  const key = feedKey(name);
  const updated = await writeFeed(db, d, key, `UPDATE atommq_feed SET ${changed.map(([, column]) => `${column} = ?`).join(', ')} WHERE name_key = ?`,
    [...changed.map(([setting]) => settings[setting] ?? null), key]);
  return updated ?? lockFeed(db, d, name);
}

/** Deletes a feed and everything it owns; false when there was none. */
export async function deleteFeedRows(db: Session, d: SqlDialect, name: string): Promise<boolean> {
  const [row] = await db.all(`SELECT id FROM atommq_feed WHERE name_key = ? ${d.syntax.forUpdate}`, [feedKey(name)]);
  if (row === undefined) return false;
  const id = integerField(row, 'id');
  for (const table of ['atommq_entry', 'atommq_media_revision', 'atommq_idempotency']) await db.run(`DELETE FROM ${table} WHERE feed_id = ?`, [id]);
  await db.run('DELETE FROM atommq_feed WHERE id = ?', [id]);
  return true;
}

/**
 * Where a prune cuts the log: rows with `seq <= cut` go, always a prefix. By count: all but the
 * newest `keepLast`. By age: every row before `firstYoung`, the first row not older than the limit
 * (undefined: all are). Never past `lastSeq`, never back, at most {@link PRUNE_CHUNK} rows on.
 */
export function pruneCut(lastSeq: number, prunedThrough: number, rule: PruneRule, firstYoung: number | undefined): number {
  let cut = prunedThrough;
  if (rule.keepLast !== undefined) cut = Math.max(cut, lastSeq - rule.keepLast);
  if (rule.olderThan !== undefined) cut = Math.max(cut, firstYoung === undefined ? lastSeq : firstYoung - 1);
  return Math.min(cut, lastSeq, prunedThrough + PRUNE_CHUNK);
}

/**
 * Removes the oldest rows of a feed, where {@link pruneCut} says. The feed row is locked first,
 * so appends and prunes on other heads wait, and `pruned_through` only moves forward.
 */
export async function pruneRows(db: Session, d: SqlDialect, feedId: number, rule: PruneRule): Promise<number> {
  const [feed] = await db.all(`SELECT last_seq, pruned_through FROM atommq_feed WHERE id = ? ${d.syntax.forUpdate}`, [feedId]);
  if (feed === undefined) return 0;
  const lastSeq = integerField(feed, 'last_seq');
  const prunedThrough = integerField(feed, 'pruned_through');
  let firstYoung: number | undefined;
  if (rule.olderThan !== undefined) {
    const [firstKept] = await db.all(
      `SELECT seq FROM atommq_entry WHERE feed_id = ? AND seq > ? AND updated >= ? ORDER BY seq LIMIT 1 ${d.syntax.forShare}`,
      [feedId, prunedThrough, rule.olderThan]);
    firstYoung = firstKept === undefined ? undefined : integerField(firstKept, 'seq');
  }
  const cut = pruneCut(lastSeq, prunedThrough, rule, firstYoung);
  if (cut <= prunedThrough) return 0;
  const removed = await db.run('DELETE FROM atommq_entry WHERE feed_id = ? AND seq > ? AND seq <= ?', [feedId, prunedThrough, cut]);
  // Media bytes go with the last row that keeps them (its media_seq).
  await db.run(`DELETE FROM atommq_media_revision WHERE feed_id = ? AND seq <= ?
    AND NOT EXISTS (SELECT 1 FROM atommq_entry AS e WHERE e.feed_id = atommq_media_revision.feed_id
      AND e.member = atommq_media_revision.member AND e.media_seq = atommq_media_revision.seq)`, [feedId, cut]);
  await db.run('UPDATE atommq_feed SET pruned_through = ? WHERE id = ?', [cut, feedId]);
  return removed;
}

/** Forgets idempotency keys created before `olderThan`; returns how many. */
export function expireKeys(db: Session, olderThan: string): Promise<number> {
  return db.run('DELETE FROM atommq_idempotency WHERE created < ?', [olderThan]);
}
