import type { Session, SqlDialect } from './dialect.js';
import { lockFeed, writeFeed } from './feed-lock.js';
import { SETTING_COLUMNS, pruneCut } from './retention-rule.js';
import { feedKey, integerField } from './rows.js';
import type { FeedRecord, FeedSettings, PruneRule } from './store.js';

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
  const [row] = await db.query(`SELECT id FROM atommq_feed WHERE name_key = ? ${d.syntax.forUpdate}`, [feedKey(name)]);
  if (row === undefined) return false;
  const id = integerField(row, 'id');
  for (const table of ['atommq_entry', 'atommq_media', 'atommq_idempotency']) await db.execute(`DELETE FROM ${table} WHERE feed_id = ?`, [id]);
  await db.execute('DELETE FROM atommq_feed WHERE id = ?', [id]);
  return true;
}

/**
 * Removes the oldest rows of a feed: always a prefix of the log, so no row newer than a kept one
 * is ever removed, and at most PRUNE_CHUNK rows per call (the arithmetic is `pruneCut`,
 * retention-rule.ts). The feed row is locked first, so appends and prunes on other heads wait,
 * and `pruned_through` only moves forward.
 */
export async function pruneRows(db: Session, d: SqlDialect, feedId: number, rule: PruneRule): Promise<number> {
  const [feed] = await db.query(`SELECT last_seq, pruned_through FROM atommq_feed WHERE id = ? ${d.syntax.forUpdate}`, [feedId]);
  if (feed === undefined) return 0;
  const lastSeq = integerField(feed, 'last_seq');
  const prunedThrough = integerField(feed, 'pruned_through');
  let firstYoung: number | undefined;
  if (rule.olderThan !== undefined) {
    const [firstKept] = await db.query(
      `SELECT seq FROM atommq_entry WHERE feed_id = ? AND seq > ? AND updated >= ? ORDER BY seq LIMIT 1 ${d.syntax.forShare}`,
      [feedId, prunedThrough, rule.olderThan]);
    firstYoung = firstKept === undefined ? undefined : integerField(firstKept, 'seq');
  }
  const cut = pruneCut(lastSeq, prunedThrough, rule, firstYoung);
  if (cut <= prunedThrough) return 0;
  const removed = await db.execute('DELETE FROM atommq_entry WHERE feed_id = ? AND seq > ? AND seq <= ?', [feedId, prunedThrough, cut]);
  await db.execute(`DELETE FROM atommq_media WHERE feed_id = ? AND member <= ?
    AND NOT EXISTS (SELECT 1 FROM atommq_entry AS e WHERE e.feed_id = atommq_media.feed_id AND e.member = atommq_media.member)`, [feedId, cut]);
  await db.execute('UPDATE atommq_feed SET pruned_through = ? WHERE id = ?', [cut, feedId]);
  return removed;
}

/** Forgets idempotency keys created before `olderThan`; returns how many. */
export function expireKeys(db: Session, olderThan: string): Promise<number> {
  return db.execute('DELETE FROM atommq_idempotency WHERE created < ?', [olderThan]);
}
