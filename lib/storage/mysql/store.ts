import type { Pool } from 'mysql2/promise';
import type { StoreConfig } from '../dsn.js';
import { GroupCommit } from '../group-commit.js';
import { ENTRY_COLUMNS, FEED_COLUMNS, feedKey, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord, Store } from '../store.js';
import { StoreUnavailableError } from '../store.js';
import { describeError, describeServer, isTransient, isUnavailable, wrapError } from './errors.js';
import { appendInTransaction, inLockOrder } from './append.js';
import { migrate, rowsOf } from './migrate.js';
import { openPool } from './pool.js';

/** A parsed DSN of a database server (MySQL/MariaDB or PostgreSQL). */
export type ServerConfig = Exclude<StoreConfig, { readonly dialect: 'sqlite' }>;

/** Read connections per process; writes use one more connection of their own. */
const READ_POOL_SIZE = 10;
/** How often a batch that InnoDB rolled back for a deadlock is run again. */
const MAX_ATTEMPTS = 3;

/**
 * The MySQL/MariaDB store, for several web heads sharing one database.
 *
 * - Ordering (the reason this design exists): an AUTO_INCREMENT id is assigned at INSERT but
 *   becomes visible at COMMIT, so a consumer reading "seq > 42" could see 44 before 43 commits and
 *   skip 43 forever. Instead, each append transaction first runs
 *   `UPDATE atommq_feed SET last_seq = last_seq + n …` and reads `last_seq` back with a SELECT in
 *   the same transaction. The row's X lock is held until COMMIT, so publishers of one feed, on
 *   every head, take turns, and sequence numbers are gapless and in commit order.
 * - Feed creation: when the UPDATE matched no row (mysql2 sets CLIENT_FOUND_ROWS, so an existing
 *   feed always counts), `INSERT … ON DUPLICATE KEY UPDATE` creates the feed, or, when another
 *   head created it meanwhile, takes its X lock and increments the counter. Unlike INSERT IGNORE,
 *   it never holds a shared lock that two transactions would then both try to upgrade (an InnoDB
 *   deadlock), and updating first burns no AUTO_INCREMENT value for existing feeds.
 * - Deadlocks: a batch locks its feeds in name_key order; should InnoDB still pick the batch as a
 *   deadlock victim (which rolls back the whole transaction), the batch runs again.
 * - Group commit: appends that arrive while a transaction is in flight share the next one, each
 *   in its own savepoint, on one dedicated connection (a pool of one). Reads use their own pool.
 * - Durability: COMMIT is durable only with the server's `innodb_flush_log_at_trx_commit = 1`
 *   (the default; 0 or 2 can lose the last second of acknowledged entries on a crash) and, on a
 *   replicated server, `sync_binlog = 1`. AtomMQ does not change server settings.
 */
export class MysqlStore implements Store {
  readonly dialect = 'mysql' as const;
  private readonly writes = new GroupCommit<AppendRequest, AppendResult>((jobs) => this.commitBatch(jobs));
  private isClosed = false;

  private constructor(private readonly config: ServerConfig, private readonly readers: Pool,
    private readonly writer: Pool) {}

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

  append(request: AppendRequest): Promise<AppendResult> {
    return this.writes.submit(request);
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

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await Promise.all([this.readers.end(), this.writer.end()]);
  }

  private async read(sql: string, values: unknown[] = []): Promise<readonly unknown[]> {
    try {
      return rowsOf(await this.readers.query(sql, values));
    } catch (error) {
      throw wrapError('unable to read', error, this.config);
    }
  }

  private async commitBatch(jobs: readonly AppendRequest[]): Promise<Array<AppendResult | Error>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.commitOnce(jobs);
      } catch (error) {
        if (!isTransient(error) || attempt >= MAX_ATTEMPTS) throw wrapError('unable to commit', error, this.config);
      }
    }
  }

  /** Commits a batch of appends in one transaction, each job inside its own savepoint. */
  private async commitOnce(jobs: readonly AppendRequest[]): Promise<Array<AppendResult | Error>> {
    const connection = await this.writer.getConnection();
    let isBroken = false;
    try {
      await connection.query('START TRANSACTION');
      const results: Array<AppendResult | Error> = [];
      for (const { job, index } of inLockOrder(jobs)) {
        // Setting a savepoint of an existing name replaces it, so none needs releasing.
        await connection.query('SAVEPOINT job');
        try {
          results[index] = await appendInTransaction(connection, job);
        } catch (error) {
          if (isUnavailable(error) || isTransient(error)) throw error;
          await connection.query('ROLLBACK TO SAVEPOINT job');
          results[index] = error instanceof Error ? error : new Error(String(error));
        }
      }
      await connection.query('COMMIT');
      return results;
    } catch (error) {
      isBroken = isUnavailable(error);
      if (!isBroken) await connection.query('ROLLBACK').catch(() => { isBroken = true; });
      throw error;
    } finally {
      if (isBroken) connection.destroy();
      else connection.release();
    }
  }
}
