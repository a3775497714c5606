import { AppendWatcher } from './append-watcher.js';
import { appendInTransaction } from './append.js';
import type { AppendSignals, SqlDialect, SqlValue } from './dialect.js';
import { describeError, wrapError } from './errors.js';
import { deleteFeedRows, expireKeys, pruneRows, updateFeedSettings } from './feed-admin.js';
import { migrate } from './migrate.js';
import { ENTRY_COLUMNS, FEED_COLUMNS, bytesField, feedKey, integerField, textField, toEntryRecord, toFeedRecord } from './rows.js';
import type { AppendRequest, AppendResult, Dialect, EntryRecord, FeedRecord, FeedSettings, MediaRecord, PruneRule, Store } from './store.js';
import { StoreUnavailableError } from './store.js';
import { Writer } from './writer.js';
import { SqlGroupStore } from './group-store.js';

/** The newest row of each member, deleted members left out: the AtomPub view of a log (`e` is the row). */
const LIVE_MEMBER = `kind = 'entry' AND NOT EXISTS (SELECT 1 FROM atommq_entry AS n WHERE n.feed_id = e.feed_id AND n.member = e.member AND n.seq > e.seq)`;

/**
 * The one store, for every database. Each query of the log is written once: the reads here, the
 * writes in append.ts and feed-admin.ts, the schema in migrations.ts, all over a {@link SqlDialect}.
 *
 * - Writes share one group commit (writer.ts); a 201 follows its own transaction's COMMIT.
 * - Reads go through the driver's reader (a pool, or SQLite's second connection), so a reader
 *   never sees a row of a transaction that has not committed yet.
 * - Long polls wake on this process's appends at once, and on other heads' through the dialect's
 *   signals (data_version, LISTEN/NOTIFY, or a poll of `last_seq`).
 */
export class SqlStore implements Store {
  readonly dialect: Dialect;
  private readonly signals: AppendSignals;
  private readonly watcher: AppendWatcher;
  private readonly writer: Writer;
  private isClosed = false;
  /** Consumer groups, their queries written once too (group-store.ts), sharing this writer. */
  readonly groups: SqlGroupStore;

  private constructor(private readonly d: SqlDialect) {
    this.dialect = d.adapter.name;
    this.signals = d.watch((feedId, lastSeq) => this.watcher.notify(feedId, lastSeq));
    this.watcher = new AppendWatcher((id) => this.lastSeq(id), this.signals.pollMs, () => this.signals.mayHaveChanged());
    this.writer = new Writer(d, this.signals);
    this.groups = new SqlGroupStore({
      syntax: d.syntax,
      read: (sql, params) => this.read(sql, params),
      write: (lockKey, work) => this.writer.write(lockKey, work),
      waitForAppend: (feedId, afterSeq, signal) => this.waitForAppend(feedId, afterSeq, signal),
    });
  }

  /** Connects and brings the schema up to date (safely when several heads start at once); failing, names `where`. */
  static async open(where: string, connect: () => Promise<SqlDialect>): Promise<SqlStore> {
    let dialect: SqlDialect | undefined;
    try {
      dialect = await connect();
      await migrate(dialect);
      return new SqlStore(dialect);
    } catch (error) {
      await dialect?.driver.close().catch(() => undefined);
      const message = dialect === undefined ? describeError(error, undefined) : dialect.adapter.describe(error);
      throw new StoreUnavailableError(`store: unable to open ${where}: ${message}`, { cause: error });
    }
  }

  async findFeed(name: string): Promise<FeedRecord | undefined> {
    return this.one(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ?`, [feedKey(name)], toFeedRecord);
  }

  async ensureFeed(name: string): Promise<FeedRecord> {
    return (await this.findFeed(name)) ?? (await this.append({ feed: name, entries: [] })).feed;
  }

  async listFeeds(): Promise<FeedRecord[]> {
    return (await this.read(`SELECT ${FEED_COLUMNS} FROM atommq_feed ORDER BY name_key`)).map(toFeedRecord);
  }

  async countEntries(feedId: number): Promise<number> {
    return (await this.one(`SELECT COUNT(*) AS n FROM atommq_entry AS e WHERE feed_id = ? AND ${LIVE_MEMBER}`, [feedId], (r) => integerField(r, 'n'))) ?? 0;
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const result = await this.writer.write(feedKey(request.feed), (db) => appendInTransaction(db, this.d, request),
      (r) => (r.replayed || r.entries.length === 0 ? undefined : { feedId: r.feed.id, lastSeq: r.feed.lastSeq }));
    this.watcher.notify(result.feed.id, result.feed.lastSeq); // this process's waiters need no signal
    return result;
  }

  async readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]> {
    return (await this.read(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      [feedId, afterSeq, limit])).map(toEntryRecord);
  }

  findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined> {
    return this.one(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND atom_id = ? ORDER BY seq LIMIT 1`, [feedId, atomId], toEntryRecord);
  }

  findMember(feedId: number, member: number): Promise<EntryRecord | undefined> {
    return this.one(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND member = ? ORDER BY seq DESC LIMIT 1`, [feedId, member], toEntryRecord);
  }

  async readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]> {
    return (await this.read(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry AS e WHERE feed_id = ? AND seq < ? AND ${LIVE_MEMBER}
      ORDER BY seq DESC LIMIT ?`, [feedId, beforeSeq, limit])).map(toEntryRecord);
  }

  readMedia(feedId: number, member: number): Promise<MediaRecord | undefined> {
    return this.one('SELECT content_type, bytes FROM atommq_media WHERE feed_id = ? AND member = ?', [feedId, member],
      (row) => ({ type: textField(row, 'content_type'), bytes: bytesField(row, 'bytes') }));
  }

  async lastSeq(feedId: number): Promise<number> {
    return (await this.one('SELECT last_seq FROM atommq_feed WHERE id = ?', [feedId], (row) => integerField(row, 'last_seq'))) ?? 0;
  }

  async waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void> {
    if (this.isClosed) return; // a closed store has nothing more to wait for
    this.signals.wake();
    await this.watcher.wait(feedId, afterSeq, signal);
  }

  updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
    return this.writer.write(feedKey(name), (db) => updateFeedSettings(db, this.d, name, settings));
  }

  deleteFeed(name: string): Promise<boolean> {
    return this.writer.write(feedKey(name), (db) => deleteFeedRows(db, this.d, name));
  }

  async prune(feedId: number, rule: PruneRule): Promise<number> {
    // The feed's name_key orders this job among a batch's appends (see Writer).
    const key = await this.one('SELECT name_key FROM atommq_feed WHERE id = ?', [feedId], (row) => textField(row, 'name_key'));
    return key === undefined ? 0 : this.writer.write(key, (db) => pruneRows(db, this.d, feedId, rule));
  }

  expireIdempotencyKeys(olderThan: string): Promise<number> {
    return this.writer.write(undefined, (db) => expireKeys(db, olderThan));
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.watcher.close();
    await Promise.all([this.signals.close(), this.d.driver.close()]);
  }

  private async read(sql: string, params: readonly SqlValue[] = []): Promise<readonly unknown[]> {
    try {
      return await this.d.driver.reader.all(sql, params);
    } catch (error) {
      throw wrapError('unable to read', error, this.d.adapter);
    }
  }

  /** The first row, converted; undefined when there is none. */
  private async one<T>(sql: string, params: readonly SqlValue[], convert: (row: unknown) => T): Promise<T | undefined> {
    const [row] = await this.read(sql, params);
    return row === undefined ? undefined : convert(row);
  }
}
