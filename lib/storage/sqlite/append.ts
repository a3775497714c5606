import { randomUUID } from 'node:crypto';
import { ENTRY_COLUMNS, FEED_COLUMNS, feedKey, integerField, textField, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord } from '../store.js';
import { AppendRejectedError } from '../store.js';
import type { SqliteConnection } from './connection.js';

/**
 * One append job inside the caller's `BEGIN IMMEDIATE` transaction. The write lock is already
 * held, so the checks below (member state, If-Match, idempotency key) and the counter increment
 * cannot race with any other writer, in this process or another.
 */
export async function appendInTransaction(db: SqliteConnection, job: AppendRequest): Promise<AppendResult> {
  const needsChecks = job.idempotency !== undefined || job.member !== undefined;
  if (needsChecks) {
    const feed = await lockFeed(db, job.feed);
    if (job.idempotency !== undefined) {
      const replay = await findReplay(db, feed, job.idempotency);
      if (replay !== undefined) return replay;
    }
    if (job.member !== undefined) await checkMember(db, feed.id, job.member);
  }
  // Taking the counter inside the write transaction is what makes seq follow commit order. The
  // plain publish path is this one statement and one INSERT; a new feed is created on a miss.
  const updated = (await takeNumbers(db, job)) ?? (await lockFeed(db, job.feed), await takeNumbers(db, job));
  if (updated === undefined) throw new Error(`store: feed ${job.feed} vanished inside a transaction`);
  const first = updated.lastSeq - job.entries.length + 1;
  const entries = job.entries.map((entry, i): EntryRecord => ({ ...entry, seq: first + i, member: job.member?.key ?? first + i }));
  await insertRows(db, updated.id, entries);
  const [created] = entries;
  if (job.media !== undefined && created !== undefined) {
    await db.run('INSERT INTO atommq_media (feed_id, member, content_type, bytes) VALUES (?, ?, ?, ?)',
      [updated.id, created.member, job.media.type, job.media.bytes]);
  }
  if (job.idempotency !== undefined && created !== undefined) {
    await db.run('INSERT INTO atommq_idempotency (feed_id, idem_key, fingerprint, first_seq, last_seq, created) VALUES (?, ?, ?, ?, ?, ?)',
      [updated.id, job.idempotency.key, job.idempotency.fingerprint, first, updated.lastSeq, new Date().toISOString()]);
  }
  return { feed: updated, entries, replayed: false };
}

/** Advances the feed's counter by the job's row count; undefined when the feed does not exist. */
async function takeNumbers(db: SqliteConnection, job: AppendRequest): Promise<FeedRecord | undefined> {
  const row = await db.get(
    `UPDATE atommq_feed SET last_seq = last_seq + ?, updated = COALESCE(?, updated) WHERE name_key = ? RETURNING ${FEED_COLUMNS}`,
    [job.entries.length, job.entries.at(-1)?.updated ?? null, feedKey(job.feed)]);
  return row === undefined ? undefined : toFeedRecord(row);
}

/** Rows per INSERT: 8 parameters each stays far below SQLite's 32,766 bound parameters. */
const ROWS_PER_INSERT = 500;

/** Inserts log rows with multi-row INSERTs. */
async function insertRows(db: SqliteConnection, feedId: number, entries: readonly EntryRecord[]): Promise<void> {
  for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
    const chunk = entries.slice(start, start + ROWS_PER_INSERT);
    await db.run(
      `INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml, media_type) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((e) => [feedId, e.seq, e.member, e.atomId, e.kind, e.updated, e.xml, e.mediaType ?? null]));
  }
}

/** Returns the feed, creating it when it does not exist yet. */
export async function lockFeed(db: SqliteConnection, name: string): Promise<FeedRecord> {
  const now = new Date().toISOString();
  await db.run(
    'INSERT INTO atommq_feed (name, name_key, atom_id, created, updated, last_seq) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (name_key) DO NOTHING',
    [name, feedKey(name), `urn:uuid:${randomUUID()}`, now, now]);
  return toFeedRecord(await db.get(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ?`, [feedKey(name)]));
}

async function checkMember(db: SqliteConnection, feedId: number, member: { key: number; ifSeq: number | undefined }): Promise<void> {
  const row = await db.get('SELECT seq, kind FROM atommq_entry WHERE feed_id = ? AND member = ? ORDER BY seq DESC LIMIT 1', [feedId, member.key]);
  if (row === undefined) throw new AppendRejectedError('no-member');
  if (textField(row, 'kind') === 'tombstone') throw new AppendRejectedError('gone');
  if (member.ifSeq !== undefined && integerField(row, 'seq') !== member.ifSeq) throw new AppendRejectedError('stale');
}

async function findReplay(db: SqliteConnection, feed: FeedRecord, key: NonNullable<AppendRequest['idempotency']>): Promise<AppendResult | undefined> {
  const row = await db.get('SELECT fingerprint, first_seq, last_seq, created FROM atommq_idempotency WHERE feed_id = ? AND idem_key = ?', [feed.id, key.key]);
  if (row === undefined) return undefined;
  if (textField(row, 'created') < key.notBefore) {
    await db.run('DELETE FROM atommq_idempotency WHERE feed_id = ? AND idem_key = ?', [feed.id, key.key]);
    return undefined;
  }
  if (textField(row, 'fingerprint') !== key.fingerprint) throw new AppendRejectedError('key-reused');
  const rows = await db.all(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND seq BETWEEN ? AND ? ORDER BY seq`,
    [feed.id, integerField(row, 'first_seq'), integerField(row, 'last_seq')]);
  return { feed, entries: rows.map(toEntryRecord), replayed: true };
}
