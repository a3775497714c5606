import { AppendWatcher } from './append-watcher.js';
import { appendInTransaction } from './append.js';
import type { AppendSignals, SqlDialect, SqlValue } from './dialect.js';
import { describeError, wrapError } from './errors.js';
import { deleteFeedRows, expireKeys, pruneRows, updateFeedSettings } from './feed-admin.js';
import { migrate } from './migrate.js';
import { ENTRY_COLUMNS, FEED_COLUMNS, bytesField, feedKey, integerField, textField, toEntryRecord, toFeedRecord } from './rows.js';
import type { AppendRequest, AppendResult, Dialect, EntryRecord, FeedRecord, FeedSettings, PruneRule, Store, StoredMedia } from './store.js';
import { StoreUnavailableError } from './store.js';
import { Writer } from './writer.js';
import { SqlGroupStore } from './group-store.js';

/** The newest row of each member, deleted members left out: the AtomPub view of a log (`e` is the row). */
const LIVE_MEMBER = `kind = 'entry' AND NOT EXISTS (SELECT 1 FROM atommq_entry AS n WHERE n.feed_id = e.feed_id AND n.member = e.member AND n.seq > e.seq)`;

/** How a store reaches its database: which one, its name for messages, and how to open its dialect. */
export type Connection = { readonly dialect: Dialect; readonly where: string; connect(): Promise<SqlDialect> };
type Opened = { readonly d: SqlDialect; readonly signals: AppendSignals; readonly watcher: AppendWatcher; readonly writer: Writer };

/**
 * The one store, for every database: each query of the log is written once (reads here, writes in
 * append.ts and feed-admin.ts, the schema in migrations.ts) over a {@link SqlDialect}. Writes share
 * a group commit (writer.ts); long polls wake on this process's appends at once, on other heads'
 * through the dialect's signals. It connects and migrates on first use (or {@link SqlStore.open});
 * when the database was unreachable, that call fails ({@link StoreUnavailableError}), the next retries.
 */
export class SqlStore implements Store {
  readonly dialect: Dialect;
  private opening: Promise<Opened> | undefined;
  private isClosed = false;
  /** Consumer groups, their queries written once too (group-store.ts), sharing this writer. */
  readonly groups: SqlGroupStore;

  constructor(private readonly connection: Connection) {
    this.dialect = connection.dialect;
    this.groups = new SqlGroupStore({
      syntax: async () => (await this.opened()).d.syntax,
      read: (sql, params) => this.read(sql, params),
      write: async (lockKey, work) => {
        const { d, writer } = await this.opened();
        return writer.write(lockKey, (db) => work(db, d.syntax));
      },
      waitForAppend: (feedId, afterSeq, signal) => this.waitForAppend(feedId, afterSeq, signal),
    });
  }

  /** Opens a store now, migrating its schema (safely when several heads start at once). */
  static async open(connection: Connection): Promise<SqlStore> {
    const store = new SqlStore(connection);
    return store.opened().then(() => store);
  }

  async findFeed(name: string): Promise<FeedRecord | undefined> {
    return this.one(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = ?`, [feedKey(name)], toFeedRecord);
  }

  async ensureFeed(name: string): Promise<FeedRecord> { return (await this.findFeed(name)) ?? (await this.append({ feed: name, entries: [] })).feed; }

  async listFeeds(): Promise<FeedRecord[]> {
    return (await this.read(`SELECT ${FEED_COLUMNS} FROM atommq_feed ORDER BY name_key`)).map(toFeedRecord);
  }

  async countEntries(feedId: number): Promise<number> {
    return (await this.one(`SELECT COUNT(*) AS n FROM atommq_entry AS e WHERE feed_id = ? AND ${LIVE_MEMBER}`, [feedId], (r) => integerField(r, 'n'))) ?? 0;
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const { d, writer, watcher } = await this.opened();
    const result = await writer.write(feedKey(request.feed), (db) => appendInTransaction(db, d, request),
      (r) => (r.replayed || r.entries.length === 0 ? undefined : { feedId: r.feed.id, lastSeq: r.feed.lastSeq }));
    watcher.notify(result.feed.id, result.feed.lastSeq); // this process's waiters need no signal
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

  readMedia(feedId: number, seq: number): Promise<StoredMedia | undefined> {
    return this.one('SELECT member, content_type, bytes FROM atommq_media_revision WHERE feed_id = ? AND seq = ?', [feedId, seq],
      (row) => ({ member: integerField(row, 'member'), type: textField(row, 'content_type'), bytes: bytesField(row, 'bytes') }));
  }

  async lastSeq(feedId: number): Promise<number> {
    return (await this.one('SELECT last_seq FROM atommq_feed WHERE id = ?', [feedId], (row) => integerField(row, 'last_seq'))) ?? 0;
  }

  async waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void> {
    if (this.isClosed) return; // a closed store has nothing more to wait for
    const { signals, watcher } = await this.opened();
    signals.wake();
    await watcher.wait(feedId, afterSeq, signal);
  }

  async updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
    const { d, writer } = await this.opened();
    return writer.write(feedKey(name), (db) => updateFeedSettings(db, d, name, settings));
  }

  async deleteFeed(name: string): Promise<boolean> {
    const { d, writer } = await this.opened();
    return writer.write(feedKey(name), (db) => deleteFeedRows(db, d, name));
  }

  async prune(feedId: number, rule: PruneRule): Promise<number> {
    const { d, writer } = await this.opened();
    // The feed's name_key orders this job among a batch's appends (see Writer).
    const key = await this.one('SELECT name_key FROM atommq_feed WHERE id = ?', [feedId], (row) => textField(row, 'name_key'));
    return key === undefined ? 0 : writer.write(key, (db) => pruneRows(db, d, feedId, rule));
  }

  async expireIdempotencyKeys(olderThan: string): Promise<number> {
    return (await this.opened()).writer.write(undefined, (db) => expireKeys(db, olderThan));
  }

  async close(): Promise<void> {
    const opening = this.opening;
    [this.isClosed, this.opening] = [true, undefined];
    const opened = await opening?.catch(() => undefined);
    opened?.watcher.close();
    await Promise.all([opened?.signals.close(), opened?.d.driver.close()]);
  }

  /** The open store: connected and migrated on first call, and again after a failed attempt. */
  private opened(): Promise<Opened> {
    return (this.opening ??= this.openOnce().catch((error: unknown) => { this.opening = undefined; throw error; }));
  }

  private async openOnce(): Promise<Opened> {
    let d: SqlDialect | undefined;
    try {
      d = await this.connection.connect();
      await migrate(d);
    } catch (error) {
      await d?.driver.close().catch(() => undefined);
      const message = d === undefined ? describeError(error, undefined) : d.adapter.describe(error);
      throw new StoreUnavailableError(`store: unable to open ${this.connection.where}: ${message}`, { cause: error });
    }
    const signals = d.watch((feedId, lastSeq) => watcher.notify(feedId, lastSeq), () => watcher.poke());
    const watcher = new AppendWatcher((id) => this.lastSeq(id), signals.pollMs, () => signals.mayHaveChanged());
    return { d, signals, watcher, writer: new Writer(d, signals) };
  }

  private async read(sql: string, params: readonly SqlValue[] = []): Promise<readonly unknown[]> {
    const { d } = await this.opened();
    return d.driver.reader.all(sql, params).catch((error: unknown) => { throw wrapError('unable to read', error, d.adapter); });
  }

  /** The first row, converted; undefined when there is none. */
  private async one<T>(sql: string, params: readonly SqlValue[], convert: (row: unknown) => T): Promise<T | undefined> {
    const [row] = await this.read(sql, params);
    return row === undefined ? undefined : convert(row);
  }
}
