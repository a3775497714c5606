import { randomUUID } from 'node:crypto';
import type { Session, SqlDialect, SqlValue } from './dialect.js';
import { FEED_COLUMNS, feedKey, toFeedRecord } from './rows.js';
import type { FeedRecord } from './store.js';

/**
 * The per-feed counter row, inside a write transaction. Whoever holds its lock (SQLite's one
 * write lock, or the row lock a server's UPDATE or SELECT … FOR UPDATE takes) takes the next
 * numbers, and the lock is held until COMMIT: that is what makes seq gapless and in commit order.
 * An auto-increment id would not do: it is assigned at INSERT but visible at COMMIT, so a reader
 * of "seq > 42" could see 44 before 43 commits and skip 43 forever.
 */

/** Returns the feed with its row locked until COMMIT, creating it when it does not exist yet. */
export async function lockFeed(db: Session, d: SqlDialect, name: string): Promise<FeedRecord> {
  return (await findLockedFeed(db, d, feedKey(name))) ?? takeNumbers(db, d, name, 0, null);
}

/**
 * Advances the feed's counter by `count` and returns the feed as it now is. The UPDATE comes
 * first, so the common case (the feed exists) inserts nothing and burns no id. When it matched no
 * row, an upsert creates the feed, or, when another head created it meanwhile, waits for that
 * commit and increments the counter instead: exactly one feed, whatever the race.
 */
export async function takeNumbers(db: Session, d: SqlDialect, name: string, count: number, newest: string | null): Promise<FeedRecord> {
  const key = feedKey(name);
  const updated = await writeFeed(db, d, key,
    'UPDATE atommq_feed SET last_seq = last_seq + ?, updated = COALESCE(?, updated) WHERE name_key = ?', [count, newest, key]);
  if (updated !== undefined) return updated;
  const now = new Date().toISOString();
  const created = await writeFeed(db, d, key,
    `INSERT INTO atommq_feed (name, name_key, atom_id, created, updated, last_seq) VALUES (?, ?, ?, ?, ?, ?)
     ${d.syntax.onConflictUpdate('name_key')} last_seq = atommq_feed.last_seq + ${d.syntax.inserted('last_seq')},
       updated = COALESCE(?, atommq_feed.updated)`,
    [name, key, `urn:uuid:${randomUUID()}`, now, newest ?? now, count, newest]);
  return created ?? readLockedFeed(db, d, key);
}

async function readLockedFeed(db: Session, d: SqlDialect, key: string): Promise<FeedRecord> {
  const feed = await findLockedFeed(db, d, key);
  if (feed === undefined) throw new Error(`store: feed ${key} vanished inside a transaction`);
  return feed;
}

/**
 * Runs a write on the feed row whose name_key is `key` and returns the row as it now is: by
 * RETURNING where the database has it, else by a locking read, which sees this transaction's
 * own write whatever the isolation level. Undefined when the write matched no row.
 */
export async function writeFeed(db: Session, d: SqlDialect, key: string, sql: string, params: readonly SqlValue[]): Promise<FeedRecord | undefined> {
  if (d.adapter.supportsReturning) {
    const [row] = await db.query(`${sql} RETURNING ${FEED_COLUMNS}`, params);
    return row === undefined ? undefined : toFeedRecord(row);
  }
  return (await db.execute(sql, params)) === 0 ? undefined : readLockedFeed(db, d, key);
}

/** The feed row whose name_key is `key`, locked until COMMIT; undefined when there is none. */
async function findLockedFeed(db: Session, d: SqlDialect, key: string): Promise<FeedRecord | undefined> {
  const [row] = await db.query(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ? ${d.syntax.forUpdate}`, [key]);
  return row === undefined ? undefined : toFeedRecord(row);
}
