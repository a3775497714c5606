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

/**
 * The one store, for every database: each query of the log is written here (reads) or in the
 * modules it calls (append.ts, feed-admin.ts, migrate.ts), once, above a {@link SqlDialect}.
 *
 * - Writes share one group commit (writer.ts); a 201 follows its own transaction's COMMIT.
 * - Reads go through the driver's reader: a pool, or SQLite's second connection, so a reader
 *   never sees a row of a transaction that has not committed yet.
 * - Long polls wake on this process's appends at once, and on other heads' appends through the
 *   dialect's signals (data_version, LISTEN/NOTIFY, or a poll of `last_seq`).
 */
export class SqlStore implements Store {
  readonly dialect: Dialect;
  private readonly signals: AppendSignals;
  private readonly watcher: AppendWatcher;
  private readonly writer: Writer;
  private isClosed = false;

  private constructor(private readonly d: SqlDialect) {
    this.dialect = d.adapter.name;
    this.signals = d.watch((feedId, lastSeq) => this.watcher.notify(feedId, lastSeq), () => this.watcher.poke());
    this.watcher = new AppendWatcher((id) => this.lastSeq(id), this.signals.pollMs, () => this.signals.mayHaveChanged());
    this.writer = new Writer(d, this.signals);
  }

  /**
   * Connects with `connect` and brings the schema up to date (safely when several heads start at
   * once). Any failure is a {@link StoreUnavailableError} naming `where`.
   */
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
    const [row] = await this.read(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ?`, [feedKey(name)]);
    return row === undefined ? undefined : toFeedRecord(row);
  }

  async ensureFeed(name: string): Promise<FeedRecord> {
    return (await this.findFeed(name)) ?? (await this.append({ feed: name, entries: [] })).feed;
  }

  async listFeeds(): Promise<FeedRecord[]> {
    return (await this.read(`SELECT ${FEED_COLUMNS} FROM atommq_feed ORDER BY name_key`)).map(toFeedRecord);
  }

  async countEntries(feedId: number): Promise<number> {
    const [row] = await this.read(`SELECT COUNT(*) AS n FROM atommq_entry AS e WHERE feed_id = ? AND kind = 'entry'
      AND NOT EXISTS (SELECT 1 FROM atommq_entry AS n WHERE n.feed_id = e.feed_id AND n.member = e.member AND n.seq > e.seq)`, [feedId]);
    return integerField(row, 'n');
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const result = await this.writer.write(feedKey(request.feed), (db) => appendInTransaction(db, this.d, request),
      (r) => (r.replayed || r.entries.length === 0 ? undefined : { feedId: r.feed.id, lastSeq: r.feed.lastSeq }));
    // Waiters in this process need not wait for another head's signal.
    this.watcher.notify(result.feed.id, result.feed.lastSeq);
    return result;
  }

  async readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]> {
    return (await this.read(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      [feedId, afterSeq, limit])).map(toEntryRecord);
  }

  async findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined> {
    const [row] = await this.read(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND atom_id = ? ORDER BY seq LIMIT 1`,
      [feedId, atomId]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async findMember(feedId: number, member: number): Promise<EntryRecord | undefined> {
    const [row] = await this.read(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND member = ? ORDER BY seq DESC LIMIT 1`,
      [feedId, member]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]> {
    return (await this.read(`SELECT ${ENTRY_COLUMNS} FROM atommq_entry AS e WHERE feed_id = ? AND seq < ? AND kind = 'entry'
       AND NOT EXISTS (SELECT 1 FROM atommq_entry AS n WHERE n.feed_id = e.feed_id AND n.member = e.member AND n.seq > e.seq)
       ORDER BY seq DESC LIMIT ?`, [feedId, beforeSeq, limit])).map(toEntryRecord);
  }

  async readMedia(feedId: number, member: number): Promise<MediaRecord | undefined> {
    const [row] = await this.read('SELECT content_type, bytes FROM atommq_media WHERE feed_id = ? AND member = ?', [feedId, member]);
    return row === undefined ? undefined : { type: textField(row, 'content_type'), bytes: bytesField(row, 'bytes') };
  }

  async lastSeq(feedId: number): Promise<number> {
    const [row] = await this.read('SELECT last_seq FROM atommq_feed WHERE id = ?', [feedId]);
    return row === undefined ? 0 : integerField(row, 'last_seq');
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
    const [feed] = await this.read('SELECT name_key FROM atommq_feed WHERE id = ?', [feedId]);
    if (feed === undefined) return 0;
    return this.writer.write(textField(feed, 'name_key'), (db) => pruneRows(db, this.d, feedId, rule));
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
      return await this.d.driver.reader.query(sql, params);
    } catch (error) {
      throw wrapError('unable to read', error, this.d.adapter);
    }
  }
}
