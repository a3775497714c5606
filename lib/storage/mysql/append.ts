import { randomUUID } from 'node:crypto';
import { FEED_COLUMNS, feedKey, integerField, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord } from '../store.js';
import { rowsOf, type Queryable } from './migrate.js';

/** Limits per INSERT, so a statement stays well under the default 16 MiB max_allowed_packet. */
const ROWS_PER_INSERT = 500;
const CHARS_PER_INSERT = 1 << 20;

/**
 * Appends one job's rows inside the caller's transaction: UPDATE the counter (locking it), create
 * the feed with INSERT … ON DUPLICATE KEY UPDATE when it matched nothing, read the counter back,
 * insert the rows. See the MysqlStore comment for why.
 */
export async function appendInTransaction(db: Queryable, job: AppendRequest): Promise<AppendResult> {
  const key = feedKey(job.feed);
  const count = job.entries.length;
  const newest = job.entries.at(-1)?.updated ?? null;
  // The X lock taken here, held until COMMIT, is what makes seq follow commit order.
  const [updated] = await db.query(
    'UPDATE atommq_feed SET last_seq = last_seq + ?, updated = COALESCE(?, updated) WHERE name_key = ?',
    [count, newest, key]);
  if (integerField(updated, 'affectedRows') === 0) {
    const now = new Date().toISOString();
    await db.query(
      `INSERT INTO atommq_feed (name, name_key, atom_id, created, updated, last_seq) VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE last_seq = last_seq + ?, updated = COALESCE(?, updated)`,
      [job.feed, key, `urn:uuid:${randomUUID()}`, now, newest ?? now, count, count, newest]);
  }
  const [row] = rowsOf(await db.query(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ?`, [key]));
  const feed = toFeedRecord(row);
  const first = feed.lastSeq - count + 1;
  const entries = job.entries.map((entry, i): EntryRecord => ({ ...entry, seq: first + i, member: first + i }));
  for (const chunk of inChunks(entries)) {
    await db.query('INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml) VALUES ?',
      [chunk.map((e) => [feed.id, e.seq, e.member, e.atomId, e.kind, e.updated, e.xml])]);
  }
  return { feed, entries };
}

/** Splits rows into INSERT-sized groups, by count and by XML size. */
function* inChunks(entries: readonly EntryRecord[]): Generator<EntryRecord[]> {
  let chunk: EntryRecord[] = [];
  let chars = 0;
  for (const entry of entries) {
    if (chunk.length > 0 && (chunk.length >= ROWS_PER_INSERT || chars + entry.xml.length > CHARS_PER_INSERT)) {
      yield chunk;
      chunk = [];
      chars = 0;
    }
    chunk.push(entry);
    chars += entry.xml.length;
  }
  if (chunk.length > 0) yield chunk;
}

/** The jobs in name_key order (stable), so every transaction locks feed rows in the same order. */
export function inLockOrder(jobs: readonly AppendRequest[]): Array<{ job: AppendRequest; index: number }> {
  return jobs
    .map((job, index) => ({ job, index, key: feedKey(job.feed) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
}
