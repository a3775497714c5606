import { AppendWatcher } from '../append-watcher.js';
import { GroupCommit, committedResult } from '../group-commit.js';
import { ENTRY_COLUMNS, FEED_COLUMNS, bytesField, feedKey, integerField, textField, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord, FeedSettings, MediaRecord, PruneRule, Store } from '../store.js';
import { StoreUnavailableError } from '../store.js';
import { FLAVOURS } from '../group-sql.js';
import { SqlGroupStore } from '../group-store.js';
import { appendInTransaction } from './append.js';
import { SqliteConnection, isUnavailable } from './connection.js';
import { configure, migrate } from './migrate.js';
import { deleteFeedRows, pruneRows, updateFeedSettings } from './retention.js';

/** How long a writer waits for another process's write lock before answering 503. */
const BUSY_TIMEOUT_MS = 15_000;
/** How often long polls look for commits by other processes (`PRAGMA data_version` is cheap). */
const POLL_MS = 25;

/** Work done on the writer connection inside a group-committed transaction. */
type WriteJob = (db: SqliteConnection) => Promise<void>;

/**
 * The SQLite store: the embedded default.
 *
 * - Durability: WAL with `synchronous=FULL`, so a commit is on disk when `append` resolves.
 * - Ordering: every write is `BEGIN IMMEDIATE`, which takes SQLite's single write lock before
 *   reading the per-feed counter, so sequence numbers are assigned in commit order, gapless,
 *   across any number of processes.
 * - Two connections: writes go through one, reads through the other. A reader therefore never
 *   sees a row of a transaction that has not committed yet.
 * - Group commit: writes that arrive while a transaction is in flight share the next one, each
 *   in its own savepoint, so one failing job does not undo the others.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private reader: Promise<SqliteConnection> | undefined;
  private readonly writes = new GroupCommit<WriteJob, true>((jobs) => this.commitBatch(jobs));
  private readonly watcher = new AppendWatcher((id) => this.lastSeq(id), POLL_MS, () => this.hasChanged());
  private dataVersion = -1;
  private isClosed = false;
  readonly groups = new SqlGroupStore({
    flavour: FLAVOURS.sqlite,
    read: async (sql, params = []) => (await this.read()).all(sql, params),
    write: (_lockKey, work) => this.write((db) => work({ query: (sql, params = []) => db.all(sql, params) })),
    waitForAppend: (feedId, afterSeq, signal) => this.waitForAppend(feedId, afterSeq, signal),
  });

  /** Set when the writer connection proved read-only; the next batch opens new connections. */
  private isWriterStale = false;
  /** Pending while the connections are being replaced. */
  private reopening: Promise<void> | undefined;

  private constructor(private readonly path: string, private writer: SqliteConnection) {}

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
    return (await (await this.read()).all(`SELECT ${FEED_COLUMNS} FROM atommq_feed ORDER BY name_key`)).map(toFeedRecord);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const result = await this.write((db) => appendInTransaction(db, request));
    this.watcher.notify(result.feed.id, result.feed.lastSeq);
    return result;
  }

  async readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]> {
    return (await (await this.read()).all(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND seq > ? ORDER BY seq LIMIT ?`, [feedId, afterSeq, limit])).map(toEntryRecord);
  }

  async findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined> {
    const row = await (await this.read()).get(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND atom_id = ? ORDER BY seq LIMIT 1`, [feedId, atomId]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async findMember(feedId: number, member: number): Promise<EntryRecord | undefined> {
    const row = await (await this.read()).get(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND member = ? ORDER BY seq DESC LIMIT 1`, [feedId, member]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]> {
    return (await (await this.read()).all(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry AS e WHERE feed_id = ? AND seq < ? AND kind = 'entry'
       AND NOT EXISTS (SELECT 1 FROM atommq_entry AS n WHERE n.feed_id = e.feed_id AND n.member = e.member AND n.seq > e.seq)
       ORDER BY seq DESC LIMIT ?`, [feedId, beforeSeq, limit])).map(toEntryRecord);
  }

  async readMedia(feedId: number, member: number): Promise<MediaRecord | undefined> {
    const row = await (await this.read()).get('SELECT content_type, bytes FROM atommq_media WHERE feed_id = ? AND member = ?', [feedId, member]);
    return row === undefined ? undefined : { type: textField(row, 'content_type'), bytes: bytesField(row, 'bytes') };
  }

  async lastSeq(feedId: number): Promise<number> {
    const row = await (await this.read()).get('SELECT last_seq FROM atommq_feed WHERE id = ?', [feedId]);
    return row === undefined ? 0 : integerField(row, 'last_seq');
  }

  async waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void> {
    if (this.isClosed) return; // a closed store has nothing more to wait for
    return this.watcher.wait(feedId, afterSeq, signal);
  }

  updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
    return this.write((db) => updateFeedSettings(db, name, settings));
  }

  deleteFeed(name: string): Promise<boolean> {
    return this.write((db) => deleteFeedRows(db, name));
  }

  prune(feedId: number, rule: PruneRule): Promise<number> {
    return this.write((db) => pruneRows(db, feedId, rule));
  }

  async expireIdempotencyKeys(olderThan: string): Promise<number> {
    return this.write(async (db) => {
      const row = await db.get('SELECT COUNT(*) AS n FROM atommq_idempotency WHERE created < ?', [olderThan]);
      await db.run('DELETE FROM atommq_idempotency WHERE created < ?', [olderThan]);
      return integerField(row, 'n');
    });
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.watcher.close();
    const reader = this.reader;
    this.reader = undefined;
    await Promise.all([this.isWriterStale ? closeWhenIdle(this.writer) : this.writer.close(), reader?.then((c) => c.close())]);
  }

  private read(): Promise<SqliteConnection> {
    if (this.reopening !== undefined) return this.reopening.then(() => this.read());
    this.reader ??= SqliteConnection.open(this.path, BUSY_TIMEOUT_MS);
    return this.reader;
  }

  /** True when another connection committed since the last call (`PRAGMA data_version`). */
  private async hasChanged(): Promise<boolean> {
    const version = integerField(await (await this.read()).get('PRAGMA data_version'), 'data_version');
    const changed = version !== this.dataVersion;
    this.dataVersion = version;
    return changed;
  }

  /** Runs `work` inside the next group-committed transaction and returns its result. */
  private async write<R>(work: (db: SqliteConnection) => Promise<R>): Promise<R> {
    return committedResult((keep) => this.writes.submit(async (db) => { keep(await work(db)); }));
  }

  /** Commits a batch of jobs in one transaction, each inside its own savepoint. */
  private async commitBatch(jobs: readonly WriteJob[]): Promise<Array<true | Error>> {
    // Most batches have no failing job, so they run without savepoints (two fewer statements per
    // job). Only when a job fails is the transaction rolled back and the batch run again with a
    // savepoint around each job, so that job alone fails.
    const first = await this.runBatch(jobs, false);
    return first ?? (await this.runBatch(jobs, true)) ?? [];
  }

  /**
   * Runs every job in one transaction and commits it. Without `isolated`, a failing job rolls
   * the whole transaction back: a lone job's failure is its result, otherwise undefined asks for
   * the isolated run. With `isolated`, a failing job is undone by its savepoint and reported in
   * its slot.
   */
  private async runBatch(jobs: readonly WriteJob[], isolated: boolean): Promise<Array<true | Error> | undefined> {
    const db = await this.writable();
    try {
      await db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      this.noteReadOnly(error);
      throw unavailable('unable to start a write transaction', error);
    }
    const results: Array<true | Error> = [];
    try {
      for (const job of jobs) {
        if (isolated) await db.exec('SAVEPOINT job');
        try {
          await job(db);
          if (isolated) await db.exec('RELEASE job');
          results.push(true);
        } catch (error) {
          if (isUnavailable(error)) throw error;
          const failure = error instanceof Error ? error : new Error(String(error));
          if (!isolated) {
            await db.exec('ROLLBACK');
            return jobs.length === 1 ? [failure] : undefined;
          }
          await db.exec('ROLLBACK TO job; RELEASE job');
          results.push(failure);
        }
      }
      await db.exec('COMMIT');
      return results;
    } catch (error) {
      await db.exec('ROLLBACK').catch(() => undefined);
      this.noteReadOnly(error);
      throw unavailable('unable to commit', error);
    }
  }


  /**
   * SQLite opens a file it cannot write (a read-only folder or mount) read-only, silently, and
   * that connection stays read-only after the folder becomes writable again. So a writer that
   * failed with SQLITE_READONLY is replaced before the next batch, and writes resume by themselves.
   */
  private noteReadOnly(error: unknown): void {
    const code = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
    if (code === 'SQLITE_READONLY') this.isWriterStale = true;
  }

  /**
   * The writer connection, after replacing every connection when it proved read-only. All of a
   * process's connections to one file share one mapping of the WAL index (the -shm file), opened
   * read-only when the folder was; only once they are all closed is it mapped writable again.
   * Reads wait meanwhile (see {@link read}).
   */
  private async writable(): Promise<SqliteConnection> {
    if (!this.isWriterStale) return this.writer;
    let done = (): void => undefined;
    this.reopening = new Promise<void>((resolve) => { done = resolve; });
    const reader = this.reader;
    this.reader = undefined;
    let fresh: SqliteConnection | undefined;
    try {
      await Promise.all([closeWhenIdle(this.writer), reader?.then(closeWhenIdle, () => undefined)]);
      fresh = await SqliteConnection.open(this.path, BUSY_TIMEOUT_MS);
      await configure(fresh);
      this.writer = fresh;
      this.isWriterStale = false;
      return fresh;
    } catch (error) {
      await fresh?.close().catch(() => undefined);
      throw new StoreUnavailableError(`store: unable to reopen SQLite database ${this.path}: ${describe(error)}`, { cause: error });
    } finally {
      this.reopening = undefined;
      done();
    }
  }
}

function unavailable(what: string, error: unknown): Error {
  return isUnavailable(error)
    ? new StoreUnavailableError(`store: ${what}: ${describe(error)}`, { cause: error })
    : error instanceof Error ? error : new Error(String(error));
}

/**
 * Closes a connection once its running statements end (closing earlier fails with SQLITE_BUSY),
 * waiting up to 5 s; a connection that is already closed, or stays busy, is left alone.
 */
async function closeWhenIdle(db: SqliteConnection): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    try {
      await db.close();
      return;
    } catch (error) {
      if (!(typeof error === 'object' && error !== null && Reflect.get(error, 'code') === 'SQLITE_BUSY')) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
