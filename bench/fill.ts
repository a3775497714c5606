import { SqliteConnection } from '../lib/storage/sqlite/connection.js';

/** A random version-4 UUID as SQL, so each filled row gets its own `atom:id`. */
const SQL_UUID = `'urn:uuid:' || lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
  || substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1)
  || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))`;

/**
 * Grows a feed to `total` entries by a direct SQLite fill, in one transaction. The feed must
 * already hold one entry published through the server: every new row copies that row's `xml`,
 * `kind` and `updated` (the exact stored form the store wrote), gets the next `seq` (= `member`)
 * and a fresh random `atom:id`, and the feed's counter is moved to `total`. This is
 * `INSERT … SELECT` over a recursive CTE, not the store's `append()`: 1,000,000 rows take seconds
 * this way instead of minutes of per-row statements.
 *
 * @returns the seconds the fill took.
 */
export async function fillFeed(dbPath: string, feedName: string, total: number): Promise<number> {
  const started = performance.now();
  const db = await SqliteConnection.open(dbPath, 15_000);
  try {
    const [feed] = await db.all('SELECT id, last_seq FROM atommq_feed WHERE name_key = ?', [feedName.toLowerCase()]);
    if (!isFeedRow(feed) || feed.last_seq < 1) throw new Error(`fill: feed ${feedName} has no entry to copy in ${dbPath}`);
    // A cache big enough for the random atom_id index keeps the fill from thrashing pages.
    await db.run('PRAGMA cache_size = -262144');
    await db.run('BEGIN IMMEDIATE');
    try {
      await db.run(`WITH RECURSIVE n (i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml)
        SELECT e.feed_id, n.i, n.i, ${SQL_UUID}, e.kind, e.updated, e.xml
        FROM n, atommq_entry AS e WHERE e.feed_id = ? AND e.seq = 1`, [feed.last_seq + 1, total, feed.id]);
      await db.run('UPDATE atommq_feed SET last_seq = ? WHERE id = ?', [total, feed.id]);
      await db.run('COMMIT');
    } catch (error) {
      await db.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
    // Fold the WAL into the database now, so the measurement does not pay for it.
    await db.run('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    await db.close();
  }
  return (performance.now() - started) / 1000;
}

/** The highest sequence number of a feed, read straight from the database file. */
export async function lastSeq(dbPath: string, feedName: string): Promise<number> {
  const db = await SqliteConnection.open(dbPath, 15_000);
  try {
    const [feed] = await db.all('SELECT id, last_seq FROM atommq_feed WHERE name_key = ?', [feedName.toLowerCase()]);
    return isFeedRow(feed) ? feed.last_seq : 0;
  } finally {
    await db.close();
  }
}

function isFeedRow(row: unknown): row is { id: number; last_seq: number } {
  return typeof row === 'object' && row !== null && 'id' in row && 'last_seq' in row
    && typeof row.id === 'number' && typeof row.last_seq === 'number';
}
