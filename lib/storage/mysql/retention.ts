import { FEED_COLUMNS, feedKey, integerField, toFeedRecord } from '../rows.js';
import { SETTING_COLUMNS, pruneCut } from '../retention-rule.js';
import type { FeedRecord, FeedSettings, PruneRule } from '../store.js';
import { lockFeed } from './append.js';
import { rowsOf, type Queryable } from './migrate.js';

/** Sets the given settings (a key given as undefined clears it), creating the feed if needed. */
export async function updateFeedSettings(db: Queryable, name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
  const feed = await lockFeed(db, name);
  const changed = SETTING_COLUMNS.filter(([key]) => key in settings);
  if (changed.length === 0) return feed;
  for (const [key, column] of changed) {
    // As SQLite fails reading such a value back; MySQL would round it, PostgreSQL fail otherwise.
    const value = settings[key];
    if (value !== undefined && !Number.isSafeInteger(value)) throw new TypeError(`store: column ${column} is not an integer`);
  }
  await db.query(`UPDATE atommq_feed SET ${changed.map(([, column]) => `${column} = ?`).join(', ')} WHERE id = ?`,
    [...changed.map(([key]) => settings[key] ?? null), feed.id]);
  const [row] = rowsOf(await db.query(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE id = ? FOR UPDATE`, [feed.id]));
  return toFeedRecord(row);
}

/** Deletes a feed and everything it owns; false when there was none. */
export async function deleteFeedRows(db: Queryable, name: string): Promise<boolean> {
  const [row] = rowsOf(await db.query('SELECT id FROM atommq_feed WHERE name_key = ? FOR UPDATE', [feedKey(name)]));
  if (row === undefined) return false;
  const id = integerField(row, 'id');
  for (const table of ['atommq_entry', 'atommq_media', 'atommq_idempotency']) await db.query(`DELETE FROM ${table} WHERE feed_id = ?`, [id]);
  await db.query('DELETE FROM atommq_feed WHERE id = ?', [id]);
  return true;
}

/**
 * Removes the oldest rows of a feed, by the rule of the SQLite store (sqlite/retention.ts): always
 * a prefix of the log, at most PRUNE_CHUNK rows per call (see retention-rule.ts). The feed row is locked first, so
 * appends and prunes on other heads wait, and `pruned_through` only moves forward; the reads are
 * locking reads, which see the newest committed rows whatever the isolation level.
 */
export async function pruneRows(db: Queryable, feedId: number, rule: PruneRule): Promise<number> {
  const [feed] = rowsOf(await db.query('SELECT last_seq, pruned_through FROM atommq_feed WHERE id = ? FOR UPDATE', [feedId]));
  if (feed === undefined) return 0;
  const lastSeq = integerField(feed, 'last_seq');
  const prunedThrough = integerField(feed, 'pruned_through');
  let firstYoung: number | undefined;
  if (rule.olderThan !== undefined) {
    const [firstKept] = rowsOf(await db.query(
      'SELECT seq FROM atommq_entry WHERE feed_id = ? AND seq > ? AND updated >= ? ORDER BY seq LIMIT 1 LOCK IN SHARE MODE',
      [feedId, prunedThrough, rule.olderThan]));
    firstYoung = firstKept === undefined ? undefined : integerField(firstKept, 'seq');
  }
  const cut = pruneCut(lastSeq, prunedThrough, rule, firstYoung);
  if (cut <= prunedThrough) return 0;
  const [removed] = await db.query('DELETE FROM atommq_entry WHERE feed_id = ? AND seq > ? AND seq <= ?', [feedId, prunedThrough, cut]);
  await db.query(`DELETE FROM atommq_media WHERE feed_id = ? AND member <= ?
    AND NOT EXISTS (SELECT 1 FROM atommq_entry AS e WHERE e.feed_id = atommq_media.feed_id AND e.member = atommq_media.member)`,
  [feedId, cut]);
  await db.query('UPDATE atommq_feed SET pruned_through = ? WHERE id = ?', [cut, feedId]);
  return integerField(removed, 'affectedRows');
}

/** Forgets idempotency keys created before `olderThan`; returns how many. */
export async function expireKeys(db: Queryable, olderThan: string): Promise<number> {
  const [removed] = await db.query('DELETE FROM atommq_idempotency WHERE created < ?', [olderThan]);
  return integerField(removed, 'affectedRows');
}
