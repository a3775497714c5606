import type { Pool } from 'mysql2/promise';
import { AppendWatcher } from '../append-watcher.js';
import type { StoreConfig } from '../dsn.js';
import { ENTRY_COLUMNS, FEED_COLUMNS, bytesField, feedKey, integerField, textField, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord, FeedSettings, MediaRecord, PruneRule, Store } from '../store.js';
import { StoreUnavailableError } from '../store.js';
import { FLAVOURS } from '../group-sql.js';
import { SqlGroupStore } from '../group-store.js';
import { appendInTransaction } from './append.js';
import { describeError, describeServer, wrapError } from './errors.js';
import { migrate, rowsOf } from './migrate.js';
import { openPool } from './pool.js';
import { deleteFeedRows, expireKeys, pruneRows, updateFeedSettings } from './retention.js';
import { MysqlWriter } from './writer.js';

/** A parsed DSN of a database server (MySQL/MariaDB or PostgreSQL). */
export type ServerConfig = Exclude<StoreConfig, { readonly dialect: 'sqlite' }>;

/** Read connections per process; writes use one more connection of their own. */
const READ_POOL_SIZE = 10;
/** How often long polls look for other heads' appends: one `last_seq` lookup per watched feed. */
const POLL_MS = 50;

/**
 * The MySQL/MariaDB store, for several web heads sharing one database.
 *
 * - Ordering (the reason this design exists): an AUTO_INCREMENT id is assigned at INSERT but
 *   becomes visible at COMMIT, so a consumer reading "seq > 42" could see 44 before 43 commits and
 *   skip 43 forever. Instead, each append transaction runs
 *   `UPDATE atommq_feed SET last_seq = last_seq + n …` and reads `last_seq` back with a SELECT in
 *   the same transaction. The row's X lock is held until COMMIT, so publishers of one feed, on
 *   every head, take turns, and sequence numbers are gapless and in commit order.
 * - Checks (member state, If-Match, idempotency keys): an append that carries any first locks
 *   the feed row (SELECT … FOR UPDATE), then checks with locking reads, which see the newest
 *   committed rows whatever the isolation level, then takes its numbers. Two heads racing on one
 *   Idempotency-Key take turns, and the second finds the first one's key.
 * - Feed creation: when the UPDATE matched no row (mysql2 sets CLIENT_FOUND_ROWS, so an existing
 *   feed always counts), `INSERT … ON DUPLICATE KEY UPDATE` creates the feed, or, when another
 *   head created it meanwhile, takes its X lock and increments the counter. Unlike INSERT IGNORE,
 *   it never holds a shared lock that two transactions would then both try to upgrade (an InnoDB
 *   deadlock), and updating first burns no AUTO_INCREMENT value for existing feeds.
 * - Deadlocks: a batch locks its feeds in name_key order; should InnoDB still pick the batch as a
 *   deadlock victim (which rolls back the whole transaction), the batch runs again.
 * - Group commit: writes that arrive while a transaction is in flight share the next one, each
 *   in its own savepoint, on one dedicated connection (see {@link MysqlWriter}). Reads use their
 *   own pool.
 * - Long polling: MySQL has no LISTEN, so while someone waits, the watcher reads `last_seq` of
 *   each watched feed every {@link POLL_MS} ms (one primary-key lookup each).
 * - Durability: COMMIT is durable only with the server's `innodb_flush_log_at_trx_commit = 1`
 *   (the default; 0 or 2 can lose the last second of acknowledged entries on a crash) and, on a
 *   replicated server, `sync_binlog = 1`. AtomMQ does not change server settings.
 */
export class MysqlStore implements Store {
  readonly dialect = 'mysql' as const;
  private readonly watcher = new AppendWatcher((id) => this.lastSeq(id), POLL_MS);
  private readonly writer: MysqlWriter;
  private isClosed = false;
  readonly groups = new SqlGroupStore({
    flavour: FLAVOURS.mysql,
    read: (sql, params = []) => this.read(sql, [...params]),
    write: (lockKey, work) => this.writer.write(lockKey, (db) =>
      work({ query: async (sql, params = []) => rowsOf(await db.query(sql, [...params])) })),
    waitForAppend: (feedId, afterSeq, signal) => this.waitForAppend(feedId, afterSeq, signal),
  });

  private constructor(private readonly config: ServerConfig, private readonly readers: Pool, writer: Pool) {
    this.writer = new MysqlWriter(writer, config);
  }

  /** Connects, and brings the schema up to date (safely when several heads start at once). */
  static async open(config: ServerConfig): Promise<MysqlStore> {
    const readers = openPool(config, READ_POOL_SIZE);
    const writer = openPool(config, 1);
    try {
      await migrate(writer);
    } catch (error) {
      await Promise.all([readers.end(), writer.end()]).catch(() => undefined);
      throw new StoreUnavailableError(
        `store: unable to open MySQL database ${describeServer(config)}: ${describeError(error, config.password)}`,
        { cause: error });
    }
    return new MysqlStore(config, readers, writer);
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

  async append(request: AppendRequest): Promise<AppendResult> {
    const result = await this.writer.write(feedKey(request.feed), (db) => appendInTransaction(db, request));
    this.watcher.notify(result.feed.id, result.feed.lastSeq);
    return result;
  }

  async readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]> {
    const rows = await this.read(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      [feedId, afterSeq, limit]);
    return rows.map(toEntryRecord);
  }

  async findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined> {
    const [row] = await this.read(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND atom_id = ? ORDER BY seq LIMIT 1`,
      [feedId, atomId]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async findMember(feedId: number, member: number): Promise<EntryRecord | undefined> {
    const [row] = await this.read(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = ? AND member = ? ORDER BY seq DESC LIMIT 1`,
      [feedId, member]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]> {
    const rows = await this.read(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry AS e WHERE feed_id = ? AND seq < ? AND kind = 'entry'
       AND NOT EXISTS (SELECT 1 FROM atommq_entry AS n WHERE n.feed_id = e.feed_id AND n.member = e.member AND n.seq > e.seq)
       ORDER BY seq DESC LIMIT ?`, [feedId, beforeSeq, limit]);
    return rows.map(toEntryRecord);
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
    if (this.isClosed) return;
    await this.watcher.wait(feedId, afterSeq, signal);
  }

  updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
    return this.writer.write(feedKey(name), (db) => updateFeedSettings(db, name, settings));
  }

  deleteFeed(name: string): Promise<boolean> {
    return this.writer.write(feedKey(name), (db) => deleteFeedRows(db, name));
  }

  async prune(feedId: number, rule: PruneRule): Promise<number> {
    // The feed's name_key orders this job among a batch's appends (see MysqlWriter).
    const [feed] = await this.read('SELECT name_key FROM atommq_feed WHERE id = ?', [feedId]);
    if (feed === undefined) return 0;
    return this.writer.write(textField(feed, 'name_key'), (db) => pruneRows(db, feedId, rule));
  }

  expireIdempotencyKeys(olderThan: string): Promise<number> {
    return this.writer.write(undefined, (db) => expireKeys(db, olderThan));
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.watcher.close();
    await Promise.all([this.readers.end(), this.writer.end()]);
  }

  private async read(sql: string, values: unknown[] = []): Promise<readonly unknown[]> {
    try {
      return rowsOf(await this.readers.query(sql, values));
    } catch (error) {
      throw wrapError('unable to read', error, this.config);
    }
  }
}
