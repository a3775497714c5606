import type { Session, SqlDialect } from './dialect.js';
import { lockFeed, takeNumbers } from './feed-lock.js';
import { ENTRY_COLUMNS, integerField, textField, toEntryRecord } from './rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord } from './store.js';
import { AppendRejectedError } from './store.js';

/** Limits per multi-row INSERT, so a statement stays well under any packet limit (MySQL's 16 MiB). */
const CHARS_PER_INSERT = 1 << 20;

/**
 * One append job inside the writer's transaction. A request with checks (a member, an
 * idempotency key) first locks the feed row: another head's append to this feed then either
 * committed before the lock was granted, and every later read (a fresh READ COMMITTED statement,
 * or a locking read) sees its rows and key, or waits for this COMMIT. A plain publish needs no
 * check and goes straight to the counter: one UPDATE and one INSERT.
 */
export async function appendInTransaction(db: Session, d: SqlDialect, job: AppendRequest): Promise<AppendResult> {
  if (job.idempotency !== undefined || job.member !== undefined) {
    const locked = await lockFeed(db, d, job.feed);
    if (job.idempotency !== undefined) {
      const replay = await findReplay(db, d, locked, job.idempotency);
      if (replay !== undefined) return replay;
    }
    if (job.member !== undefined) await checkMember(db, d, locked.id, job.member);
  }
  const feed = await takeNumbers(db, d, job.feed, job.entries.length, job.entries.at(-1)?.updated ?? null);
  const first = feed.lastSeq - job.entries.length + 1;
  const entries = job.entries.map((entry, i): EntryRecord => ({ ...entry, seq: first + i, member: job.member?.key ?? first + i }));
  for (const chunk of inChunks(entries, d.syntax.rowsPerInsert)) {
    await db.execute(
      `INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml, media_type) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((e) => [feed.id, e.seq, e.member, e.atomId, e.kind, e.updated, e.xml, e.mediaType ?? null]));
  }
  const [created] = entries;
  if (job.media !== undefined && created !== undefined) {
    await db.execute('INSERT INTO atommq_media (feed_id, member, content_type, bytes) VALUES (?, ?, ?, ?)',
      [feed.id, created.member, job.media.type, toBuffer(job.media.bytes)]);
  }
  if (job.idempotency !== undefined && created !== undefined) {
    await db.execute('INSERT INTO atommq_idempotency (feed_id, idem_key, fingerprint, first_seq, last_seq, created) VALUES (?, ?, ?, ?, ?, ?)',
      [feed.id, job.idempotency.key, job.idempotency.fingerprint, first, feed.lastSeq, new Date().toISOString()]);
  }
  return { feed, entries, replayed: false };
}

/** A revision or tombstone joins a member that exists, is not deleted, and (If-Match) is at `ifSeq`. */
async function checkMember(db: Session, d: SqlDialect, feedId: number, member: { key: number; ifSeq: number | undefined }): Promise<void> {
  const [row] = await db.query(
    `SELECT seq, kind FROM atommq_entry WHERE feed_id = ? AND member = ? ORDER BY seq DESC LIMIT 1 ${d.syntax.forShare}`, [feedId, member.key]);
  if (row === undefined) throw new AppendRejectedError('no-member');
  if (textField(row, 'kind') === 'tombstone') throw new AppendRejectedError('gone');
  if (member.ifSeq !== undefined && integerField(row, 'seq') !== member.ifSeq) throw new AppendRejectedError('stale');
}

/** The original rows of a key seen since `notBefore` with the same fingerprint; an expired key is replaced. */
async function findReplay(db: Session, d: SqlDialect, feed: FeedRecord, key: NonNullable<AppendRequest['idempotency']>): Promise<AppendResult | undefined> {
  const [row] = await db.query(
    `SELECT fingerprint, first_seq, last_seq, created FROM atommq_idempotency WHERE feed_id = ? AND idem_key = ? ${d.syntax.forUpdate}`,
    [feed.id, key.key]);
  if (row === undefined) return undefined;
  if (textField(row, 'created') < key.notBefore) {
    await db.execute('DELETE FROM atommq_idempotency WHERE feed_id = ? AND idem_key = ?', [feed.id, key.key]);
    return undefined;
  }
  if (textField(row, 'fingerprint') !== key.fingerprint) throw new AppendRejectedError('key-reused');
  const rows = await db.query(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND seq BETWEEN ? AND ? ORDER BY seq ${d.syntax.forShare}`,
    [feed.id, integerField(row, 'first_seq'), integerField(row, 'last_seq')]);
  return { feed, entries: rows.map(toEntryRecord), replayed: true };
}

/** Splits rows into INSERT-sized groups, by count and by XML size. */
function* inChunks(entries: readonly EntryRecord[], rowsPerInsert: number): Generator<EntryRecord[]> {
  let chunk: EntryRecord[] = [];
  let chars = 0;
  for (const entry of entries) {
    if (chunk.length > 0 && (chunk.length >= rowsPerInsert || chars + entry.xml.length > CHARS_PER_INSERT)) {
      yield chunk;
      chunk = [];
      chars = 0;
    }
    chunk.push(entry);
    chars += entry.xml.length;
  }
  if (chunk.length > 0) yield chunk;
}

/** Drivers bind a Buffer as binary (mysql2 would escape a plain Uint8Array as an object); wrap it without copying. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
