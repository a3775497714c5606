import { randomUUID } from 'node:crypto';
import { GroupCommit } from '../group-commit.js';
import { LATEST_VERSION, MIGRATIONS, SCHEMA_TABLE } from '../migrations.js';
import { ENTRY_COLUMNS, FEED_COLUMNS, feedKey, integerField, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord, Store } from '../store.js';
import { StoreUnavailableError } from '../store.js';
import { SqliteConnection, isUnavailable } from './connection.js';

/** How long a writer waits for another process's write lock before answering 503. */
const BUSY_TIMEOUT_MS = 15_000;

/**
 * The SQLite store: the embedded default.
 *
 * - Durability: WAL with `synchronous=FULL`, so a commit is on disk when `append` resolves.
 * - Ordering: every write is `BEGIN IMMEDIATE`, which takes SQLite's single write lock before
 *   reading the per-feed counter, so sequence numbers are assigned in commit order, gapless,
 *   across any number of processes.
 * - Two connections: writes go through one, reads through the other. A reader therefore never
 *   sees a row of a transaction that has not committed yet.
 * - Group commit: appends that arrive while a transaction is in flight share the next one.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private reader: Promise<SqliteConnection> | undefined;
  private readonly writes = new GroupCommit<AppendRequest, AppendResult>((jobs) => this.commitBatch(jobs));

  private constructor(private readonly path: string, private readonly writer: SqliteConnection) {}

  /** Opens the database file, switches it to WAL and brings its schema up to date. */
  static async open(path: string): Promise<SqliteStore> {
    let writer: SqliteConnection;
    try {
      writer = await SqliteConnection.open(path, BUSY_TIMEOUT_MS);
      await configure(writer);
      await migrate(writer);
    } catch (error) {
      throw new StoreUnavailableError(`store: unable to open SQLite database ${path}: ${describe(error)}`, { cause: error });
    }
    return new SqliteStore(path, writer);
  }

  async findFeed(name: string): Promise<FeedRecord | undefined> {
    const row = await (await this.read()).get(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ?`, [feedKey(name)]);
    return row === undefined ? undefined : toFeedRecord(row);
  }

  async ensureFeed(name: string): Promise<FeedRecord> {
    return (await this.findFeed(name)) ?? (await this.append({ feed: name, entries: [] })).feed;
  }

  async listFeeds(): Promise<FeedRecord[]> {
    const rows = await (await this.read()).all(`SELECT ${FEED_COLUMNS} FROM atommq_feed ORDER BY name_key`);
    return rows.map(toFeedRecord);
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.writes.submit(request);
  }

  async readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]> {
    const rows = await (await this.read()).all(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      [feedId, afterSeq, limit]);
    return rows.map(toEntryRecord);
  }

  async findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined> {
    const row = await (await this.read()).get(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND atom_id = ? ORDER BY seq LIMIT 1`,
      [feedId, atomId]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async findMember(feedId: number, member: number): Promise<EntryRecord | undefined> {
    const row = await (await this.read()).get(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND member = ? ORDER BY seq DESC LIMIT 1`,
      [feedId, member]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await Promise.all([this.writer.close(), reader?.then((c) => c.close())]);
  }

  private read(): Promise<SqliteConnection> {
    this.reader ??= SqliteConnection.open(this.path, BUSY_TIMEOUT_MS);
    return this.reader;
  }

  /** Commits a batch of appends in one transaction, each job inside its own savepoint. */
  private async commitBatch(jobs: readonly AppendRequest[]): Promise<Array<AppendResult | Error>> {
    const db = this.writer;
    try {
      await db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw unavailable('unable to start a write transaction', error);
    }
    const results: Array<AppendResult | Error> = [];
    try {
      for (const job of jobs) {
        await db.exec('SAVEPOINT job');
        try {
          results.push(await appendInTransaction(db, job));
          await db.exec('RELEASE job');
        } catch (error) {
          await db.exec('ROLLBACK TO job; RELEASE job');
          if (isUnavailable(error)) throw error;
          results.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
      await db.exec('COMMIT');
      return results;
    } catch (error) {
      await db.exec('ROLLBACK').catch(() => undefined);
      throw unavailable('unable to commit', error);
    }
  }
}

async function appendInTransaction(db: SqliteConnection, job: AppendRequest): Promise<AppendResult> {
  const now = new Date().toISOString();
  const key = feedKey(job.feed);
  await db.run(
    'INSERT INTO atommq_feed (name, name_key, atom_id, created, updated, last_seq) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (name_key) DO NOTHING',
    [job.feed, key, `urn:uuid:${randomUUID()}`, now, now]);
  const newest = job.entries.at(-1)?.updated;
  // Taking the counter inside the write transaction is what makes seq follow commit order.
  const feedRow = await db.get(
    `UPDATE atommq_feed SET last_seq = last_seq + ?, updated = COALESCE(?, updated) WHERE name_key = ? RETURNING ${FEED_COLUMNS}`,
    [job.entries.length, newest ?? null, key]);
  const feed = toFeedRecord(feedRow);
  const first = feed.lastSeq - job.entries.length + 1;
  const entries = job.entries.map((entry, i): EntryRecord => ({ ...entry, seq: first + i, member: first + i }));
  for (const entry of entries) {
    await db.run(
      'INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [feed.id, entry.seq, entry.member, entry.atomId, entry.kind, entry.updated, entry.xml]);
  }
  return { feed, entries };
}

async function configure(db: SqliteConnection): Promise<void> {
  // WAL lets readers run while a writer commits; FULL syncs the WAL on every commit, so an
  // acknowledged entry survives power loss (https://sqlite.org/pragma.html#pragma_synchronous).
  await db.exec('PRAGMA journal_mode = WAL');
  await db.exec('PRAGMA synchronous = FULL');
}

async function migrate(db: SqliteConnection): Promise<void> {
  if (await schemaVersion(db) >= LATEST_VERSION) return;
  // BEGIN IMMEDIATE serialises concurrent first starts: the second process waits, then sees the
  // versions the first one recorded and applies nothing twice.
  await db.exec('BEGIN IMMEDIATE');
  try {
    await db.exec(SCHEMA_TABLE.sqlite);
    const current = await schemaVersion(db);
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      for (const statement of migration.statements.sqlite) await db.exec(statement);
      await db.run('INSERT INTO atommq_schema (version, description, applied) VALUES (?, ?, ?)',
        [migration.version, migration.description, new Date().toISOString()]);
    }
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function schemaVersion(db: SqliteConnection): Promise<number> {
  const table = await db.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'atommq_schema'");
  if (table === undefined) return 0;
  const row = await db.get('SELECT COALESCE(MAX(version), 0) AS version FROM atommq_schema');
  return integerField(row, 'version');
}

function unavailable(what: string, error: unknown): Error {
  return isUnavailable(error)
    ? new StoreUnavailableError(`store: ${what}: ${describe(error)}`, { cause: error })
    : error instanceof Error ? error : new Error(String(error));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
