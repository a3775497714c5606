import { FEED_COLUMNS, feedKey, integerField, toFeedRecord } from '../rows.js';
import { SETTING_COLUMNS, pruneCut } from '../retention-rule.js';
import type { FeedRecord, FeedSettings, PruneRule } from '../store.js';
import { lockFeed } from './append.js';
import type { SqliteConnection } from './connection.js';

/** Sets the given settings (a key given as undefined clears it), creating the feed if needed. */
export async function updateFeedSettings(db: SqliteConnection, name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
  const feed = await lockFeed(db, name);
  for (const [key, column] of SETTING_COLUMNS) {
    if (key in settings) await db.run(`UPDATE atommq_feed SET ${column} = ? WHERE id = ?`, [settings[key] ?? null, feed.id]);
  }
  return toFeedRecord(await db.get(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ?`, [feedKey(name)]));
}

/** Deletes a feed and everything it owns. */
export async function deleteFeedRows(db: SqliteConnection, name: string): Promise<boolean> {
  const row = await db.get('SELECT id FROM atommq_feed WHERE name_key = ?', [feedKey(name)]);
  if (row === undefined) return false;
  const id = integerField(row, 'id');
  for (const table of ['atommq_entry', 'atommq_media', 'atommq_idempotency']) await db.run(`DELETE FROM ${table} WHERE feed_id = ?`, [id]);
  await db.run('DELETE FROM atommq_feed WHERE id = ?', [id]);
  return true;
}

/**
 * Removes the oldest rows of a feed: always a prefix of the log, so no row newer than a kept one
 * is ever removed. By count: all but the newest `keepLast`. By age: every row before the first
 * row that is not older than `olderThan`. The arithmetic is `pruneCut` (retention-rule.ts).
 */
export async function pruneRows(db: SqliteConnection, feedId: number, rule: PruneRule): Promise<number> {
  const feed = await db.get('SELECT last_seq, pruned_through FROM atommq_feed WHERE id = ?', [feedId]);
  if (feed === undefined) return 0;
  const lastSeq = integerField(feed, 'last_seq');
  const prunedThrough = integerField(feed, 'pruned_through');
  let firstYoung: number | undefined;
  if (rule.olderThan !== undefined) {
    const firstKept = await db.get('SELECT seq FROM atommq_entry WHERE feed_id = ? AND seq > ? AND updated >= ? ORDER BY seq LIMIT 1',
      [feedId, prunedThrough, rule.olderThan]);
    firstYoung = firstKept === undefined ? undefined : integerField(firstKept, 'seq');
  }
  const cut = pruneCut(lastSeq, prunedThrough, rule, firstYoung);
  if (cut <= prunedThrough) return 0;
  const counted = await db.get('SELECT COUNT(*) AS n FROM atommq_entry WHERE feed_id = ? AND seq > ? AND seq <= ?', [feedId, prunedThrough, cut]);
  await db.run('DELETE FROM atommq_entry WHERE feed_id = ? AND seq > ? AND seq <= ?', [feedId, prunedThrough, cut]);
  await db.run(`DELETE FROM atommq_media WHERE feed_id = ? AND member <= ?
    AND NOT EXISTS (SELECT 1 FROM atommq_entry AS e WHERE e.feed_id = atommq_media.feed_id AND e.member = atommq_media.member)`, [feedId, cut]);
  await db.run('UPDATE atommq_feed SET pruned_through = ? WHERE id = ?', [cut, feedId]);
  return integerField(counted, 'n');
}
