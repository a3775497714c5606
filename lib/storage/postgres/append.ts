import { randomUUID } from 'node:crypto';
import { ENTRY_COLUMNS, FEED_COLUMNS, feedKey, integerField, textField, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord } from '../store.js';
import { AppendRejectedError } from '../store.js';
import type { Queryable } from './migrate.js';

/** Rows per INSERT statement: 8 parameters each stays far below PostgreSQL's 65535. */
const ROWS_PER_INSERT = 1000;

/**
 * Appends one job's rows inside the caller's READ COMMITTED transaction, with the same outcome as
 * the SQLite store. A request with checks (a member, an idempotency key) first locks the feed row
 * with SELECT … FOR UPDATE: another head's append to this feed then either committed before the
 * lock was granted, and every later statement (each with a fresh snapshot) sees its rows and key,
 * or waits for this COMMIT. A plain append needs no check and goes straight to the counter.
 */
export async function appendInTransaction(db: Queryable, job: AppendRequest): Promise<AppendResult> {
  if (job.idempotency !== undefined || job.member !== undefined) {
    const locked = await lockFeed(db, job.feed);
    if (job.idempotency !== undefined) {
      const replay = await findReplay(db, locked, job.idempotency);
      if (replay !== undefined) return replay;
    }
    if (job.member !== undefined) await checkMember(db, locked.id, job.member);
  }
  const feed = await takeSequence(db, job.feed, job.entries.length, job.entries.at(-1)?.updated ?? null);
  const first = feed.lastSeq - job.entries.length + 1;
  const entries = job.entries.map((entry, i): EntryRecord => ({ ...entry, seq: first + i, member: job.member?.key ?? first + i }));
  await insertEntries(db, feed.id, entries);
  const [created] = entries;
  if (job.media !== undefined && created !== undefined) {
    await db.query('INSERT INTO atommq_media (feed_id, member, content_type, bytes) VALUES ($1, $2, $3, $4)',
      [feed.id, created.member, job.media.type, toBuffer(job.media.bytes)]);
  }
  if (job.idempotency !== undefined && created !== undefined) {
    await db.query(
      'INSERT INTO atommq_idempotency (feed_id, idem_key, fingerprint, first_seq, last_seq, created) VALUES ($1, $2, $3, $4, $5, $6)',
      [feed.id, job.idempotency.key, job.idempotency.fingerprint, first, feed.lastSeq, new Date().toISOString()]);
  }
  return { feed, entries, replayed: false };
}

/** Returns the feed with its row locked until COMMIT, creating it when it does not exist yet. */
export async function lockFeed(db: Queryable, name: string): Promise<FeedRecord> {
  const { rows: [row] } = await db.query(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = $1 FOR UPDATE`, [feedKey(name)]);
  return row === undefined ? takeSequence(db, name, 0, null) : toFeedRecord(row);
}

/**
 * Takes the next `count` numbers: UPDATE … RETURNING the counter (locking it), or, when that
 * matched nothing, create the feed with INSERT … ON CONFLICT DO UPDATE (see PostgresStore).
 */
async function takeSequence(db: Queryable, name: string, count: number, newest: string | null): Promise<FeedRecord> {
  const key = feedKey(name);
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
      [name, key, `urn:uuid:${randomUUID()}`, now, newest ?? now, count, newest]));
  }
  return toFeedRecord(rows[0]);
}

async function insertEntries(db: Queryable, feedId: number, entries: readonly EntryRecord[]): Promise<void> {
  for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
    const values: unknown[] = [];
    const tuples = entries.slice(start, start + ROWS_PER_INSERT).map((e) => {
      const base = values.push(feedId, e.seq, e.member, e.atomId, e.kind, e.updated, e.xml, e.mediaType ?? null) - 8;
      return `(${Array.from({ length: 8 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    await db.query(
      `INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml, media_type) VALUES ${tuples.join(', ')}`, values);
  }
}

async function checkMember(db: Queryable, feedId: number, member: { key: number; ifSeq: number | undefined }): Promise<void> {
  const { rows: [row] } = await db.query(
    'SELECT seq, kind FROM atommq_entry WHERE feed_id = $1 AND member = $2 ORDER BY seq DESC LIMIT 1', [feedId, member.key]);
  if (row === undefined) throw new AppendRejectedError('no-member');
  if (textField(row, 'kind') === 'tombstone') throw new AppendRejectedError('gone');
  if (member.ifSeq !== undefined && integerField(row, 'seq') !== member.ifSeq) throw new AppendRejectedError('stale');
}

async function findReplay(db: Queryable, feed: FeedRecord, key: NonNullable<AppendRequest['idempotency']>): Promise<AppendResult | undefined> {
  const { rows: [row] } = await db.query(
    'SELECT fingerprint, first_seq, last_seq, created FROM atommq_idempotency WHERE feed_id = $1 AND idem_key = $2', [feed.id, key.key]);
  if (row === undefined) return undefined;
  if (textField(row, 'created') < key.notBefore) {
    await db.query('DELETE FROM atommq_idempotency WHERE feed_id = $1 AND idem_key = $2', [feed.id, key.key]);
    return undefined;
  }
  if (textField(row, 'fingerprint') !== key.fingerprint) throw new AppendRejectedError('key-reused');
  const { rows } = await db.query(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`,
    [feed.id, integerField(row, 'first_seq'), integerField(row, 'last_seq')]);
  return { feed, entries: rows.map(toEntryRecord), replayed: true };
}

/** pg binds a Buffer as bytea; a plain Uint8Array view is wrapped without copying. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
