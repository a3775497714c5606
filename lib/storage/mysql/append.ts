import { randomUUID } from 'node:crypto';
import { ENTRY_COLUMNS, FEED_COLUMNS, feedKey, integerField, textField, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord } from '../store.js';
import { AppendRejectedError } from '../store.js';
import { rowsOf, type Queryable } from './migrate.js';

/** Limits per INSERT, so a statement stays well under the default 16 MiB max_allowed_packet. */
const ROWS_PER_INSERT = 500;
const CHARS_PER_INSERT = 1 << 20;

/**
 * Appends one job's rows inside the caller's transaction, with the same outcome as the SQLite
 * store. A request with checks (a member, an idempotency key) first locks the feed row with
 * SELECT … FOR UPDATE, so another head's append to this feed has either committed or waits for
 * this COMMIT. Every read after that is a locking read too: a locking read sees the newest
 * committed row versions, where a plain SELECT could read an older InnoDB snapshot (under
 * REPEATABLE READ, the snapshot of the batch's first read). A plain append goes straight to the
 * counter.
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
  for (const chunk of inChunks(entries)) {
    await db.query('INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml, media_type) VALUES ?',
      [chunk.map((e) => [feed.id, e.seq, e.member, e.atomId, e.kind, e.updated, e.xml, e.mediaType ?? null])]);
  }
  const [created] = entries;
  if (job.media !== undefined && created !== undefined) {
    await db.query('INSERT INTO atommq_media (feed_id, member, content_type, bytes) VALUES (?, ?, ?, ?)',
      [feed.id, created.member, job.media.type, toBuffer(job.media.bytes)]);
  }
  if (job.idempotency !== undefined && created !== undefined) {
    await db.query('INSERT INTO atommq_idempotency (feed_id, idem_key, fingerprint, first_seq, last_seq, created) VALUES (?, ?, ?, ?, ?, ?)',
      [feed.id, job.idempotency.key, job.idempotency.fingerprint, first, feed.lastSeq, new Date().toISOString()]);
  }
  return { feed, entries, replayed: false };
}

/** Returns the feed with its row locked until COMMIT, creating it when it does not exist yet. */
export async function lockFeed(db: Queryable, name: string): Promise<FeedRecord> {
  const [row] = rowsOf(await db.query(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ? FOR UPDATE`, [feedKey(name)]));
  return row === undefined ? takeSequence(db, name, 0, null) : toFeedRecord(row);
}

/**
 * Takes the next `count` numbers: UPDATE the counter (locking it), create the feed with INSERT …
 * ON DUPLICATE KEY UPDATE when it matched nothing, read the counter back (see MysqlStore).
 */
async function takeSequence(db: Queryable, name: string, count: number, newest: string | null): Promise<FeedRecord> {
  const key = feedKey(name);
  // The X lock taken here, held until COMMIT, is what makes seq follow commit order.
  const [updated] = await db.query(
    'UPDATE atommq_feed SET last_seq = last_seq + ?, updated = COALESCE(?, updated) WHERE name_key = ?',
    [count, newest, key]);
  if (integerField(updated, 'affectedRows') === 0) {
    const now = new Date().toISOString();
    await db.query(
      `INSERT INTO atommq_feed (name, name_key, atom_id, created, updated, last_seq) VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE last_seq = last_seq + ?, updated = COALESCE(?, updated)`,
      [name, key, `urn:uuid:${randomUUID()}`, now, newest ?? now, count, count, newest]);
  }
  // A locking read: the row is already locked by this transaction, and a plain read could return an
  // older snapshot when the statements above changed nothing (count 0).
  const [row] = rowsOf(await db.query(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ? FOR UPDATE`, [key]));
  return toFeedRecord(row);
}

async function checkMember(db: Queryable, feedId: number, member: { key: number; ifSeq: number | undefined }): Promise<void> {
  const [row] = rowsOf(await db.query(
    'SELECT seq, kind FROM atommq_entry WHERE feed_id = ? AND member = ? ORDER BY seq DESC LIMIT 1 LOCK IN SHARE MODE',
    [feedId, member.key]));
  if (row === undefined) throw new AppendRejectedError('no-member');
  if (textField(row, 'kind') === 'tombstone') throw new AppendRejectedError('gone');
  if (member.ifSeq !== undefined && integerField(row, 'seq') !== member.ifSeq) throw new AppendRejectedError('stale');
}

async function findReplay(db: Queryable, feed: FeedRecord, key: NonNullable<AppendRequest['idempotency']>): Promise<AppendResult | undefined> {
  const [row] = rowsOf(await db.query(
    'SELECT fingerprint, first_seq, last_seq, created FROM atommq_idempotency WHERE feed_id = ? AND idem_key = ? FOR UPDATE',
    [feed.id, key.key]));
  if (row === undefined) return undefined;
  if (textField(row, 'created') < key.notBefore) {
    await db.query('DELETE FROM atommq_idempotency WHERE feed_id = ? AND idem_key = ?', [feed.id, key.key]);
    return undefined;
  }
  if (textField(row, 'fingerprint') !== key.fingerprint) throw new AppendRejectedError('key-reused');
  const rows = rowsOf(await db.query(
    `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND seq BETWEEN ? AND ? ORDER BY seq LOCK IN SHARE MODE`,
    [feed.id, integerField(row, 'first_seq'), integerField(row, 'last_seq')]));
  return { feed, entries: rows.map(toEntryRecord), replayed: true };
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

/** mysql2 escapes a Buffer as binary but a plain Uint8Array as an object; wrap it without copying. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
