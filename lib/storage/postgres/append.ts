import { randomUUID } from 'node:crypto';
import { FEED_COLUMNS, feedKey, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord } from '../store.js';
import type { Queryable } from './migrate.js';

/** Rows per INSERT statement: 7 parameters each stays far below PostgreSQL's 65535. */
const ROWS_PER_INSERT = 1000;

/**
 * Appends one job's rows inside the caller's transaction: UPDATE … RETURNING the counter (locking
 * it), create the feed with INSERT … ON CONFLICT DO UPDATE when it matched nothing, insert the
 * rows. See the PostgresStore comment for why.
 */
export async function appendInTransaction(db: Queryable, job: AppendRequest): Promise<AppendResult> {
  const key = feedKey(job.feed);
  const count = job.entries.length;
  const newest = job.entries.at(-1)?.updated ?? null;
  // The row lock taken here, held until COMMIT, is what makes seq follow commit order.
  let { rows } = await db.query(
    `UPDATE atommq_feed SET last_seq = last_seq + $1, updated = COALESCE($2, updated) WHERE name_key = $3 RETURNING ${FEED_COLUMNS}`,
    [count, newest, key]);
  if (rows.length === 0) {
    const now = new Date().toISOString();
    ({ rows } = await db.query(
      `INSERT INTO atommq_feed (name, name_key, atom_id, created, updated, last_seq) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name_key) DO UPDATE SET last_seq = atommq_feed.last_seq + EXCLUDED.last_seq,
         updated = COALESCE($7, atommq_feed.updated)
       RETURNING ${FEED_COLUMNS}`,
      [job.feed, key, `urn:uuid:${randomUUID()}`, now, newest ?? now, count, newest]));
  }
  const feed = toFeedRecord(rows[0]);
  const first = feed.lastSeq - count + 1;
  const entries = job.entries.map((entry, i): EntryRecord => ({ ...entry, seq: first + i, member: first + i }));
  for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
    const values: unknown[] = [];
    const tuples = entries.slice(start, start + ROWS_PER_INSERT).map((e) => {
      const base = values.push(feed.id, e.seq, e.member, e.atomId, e.kind, e.updated, e.xml) - 7;
      return `(${Array.from({ length: 7 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    await db.query(
      `INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml) VALUES ${tuples.join(', ')}`, values);
  }
  return { feed, entries };
}

/** The jobs in name_key order (stable), so every transaction locks feed rows in the same order. */
export function inLockOrder(jobs: readonly AppendRequest[]): Array<{ job: AppendRequest; index: number }> {
  return jobs
    .map((job, index) => ({ job, index, key: feedKey(job.feed) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
}
