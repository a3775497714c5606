import pg from 'pg';
import type { StoreConfig } from '../dsn.js';
import { GroupCommit } from '../group-commit.js';
import { ENTRY_COLUMNS, FEED_COLUMNS, feedKey, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord, Store } from '../store.js';
import { StoreUnavailableError } from '../store.js';
import { describeError, describeServer, isTransient, isUnavailable, wrapError } from './errors.js';
import { appendInTransaction, inLockOrder } from './append.js';
import { migrate } from './migrate.js';

/** A parsed DSN of a database server (PostgreSQL or MySQL). */
export type ServerConfig = Exclude<StoreConfig, { readonly dialect: 'sqlite' }>;

/** Read connections per process; writes use one more connection of their own. */
const READ_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;
/** How often a batch that the server rolled back (deadlock, serialization failure) is run again. */
const MAX_ATTEMPTS = 3;

/**
 * The PostgreSQL store, for several web heads sharing one database.
 *
 * - Ordering (the reason this design exists): an auto-increment id is assigned at INSERT but
 *   becomes visible at COMMIT, so a consumer reading "seq > 42" could see 44 before 43 commits and
 *   skip 43 forever. Instead, each append transaction first runs
 *   `UPDATE atommq_feed SET last_seq = last_seq + n … RETURNING`: the row lock it takes is held
 *   until COMMIT, so publishers of one feed, on every head, take turns. Whoever holds the lock
 *   takes the next n numbers, and the next publisher can only take its numbers after that commit
 *   is visible. Sequence numbers are therefore gapless and in commit order.
 * - Feed creation: the UPDATE comes first, so the common case (the feed exists) inserts nothing
 *   and burns no BIGSERIAL value. When it matched no row, `INSERT … ON CONFLICT (name_key) DO
 *   UPDATE` creates the feed, or, when another head created it meanwhile, waits for that commit
 *   and increments the counter instead: exactly one feed, whatever the race.
 * - Deadlocks: a batch locks its feeds in name_key order, so two heads cannot wait on each other;
 *   should the server still roll a batch back (40P01, 40001), the whole batch runs again.
 * - Group commit: appends that arrive while a transaction is in flight share the next one, each in
 *   its own savepoint, on one dedicated connection (a pool of one, which reconnects after a
 *   failure). Reads use a separate pool; PostgreSQL's READ COMMITTED shows each read every commit.
 * - Durability: the server's default `synchronous_commit = on` flushes WAL before COMMIT returns.
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly writes = new GroupCommit<AppendRequest, AppendResult>((jobs) => this.commitBatch(jobs));
  private isClosed = false;

  private constructor(private readonly config: ServerConfig, private readonly readers: pg.Pool,
    private readonly writer: pg.Pool) {}

  /** Connects, and brings the schema up to date (safely when several heads start at once). */
  static async open(config: ServerConfig): Promise<PostgresStore> {
    const readers = createPool(config, READ_POOL_SIZE);
    const writer = createPool(config, 1);
    try {
      await migrate(writer);
    } catch (error) {
      await Promise.all([readers.end(), writer.end()]).catch(() => undefined);
      throw new StoreUnavailableError(
        `store: unable to open PostgreSQL database ${describeServer(config)}: ${describeError(error, config.password)}`,
        { cause: error });
    }
    return new PostgresStore(config, readers, writer);
  }

  async findFeed(name: string): Promise<FeedRecord | undefined> {
    const [row] = await this.read(`SELECT ${FEED_COLUMNS} FROM atommq_feed WHERE name_key = $1`, [feedKey(name)]);
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
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [feedId, afterSeq, limit]);
    return rows.map(toEntryRecord);
  }

  async findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined> {
    const [row] = await this.read(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = $1 AND atom_id = $2 ORDER BY seq LIMIT 1`,
      [feedId, atomId]);
    return row === undefined ? undefined : toEntryRecord(row);
  }

  async findMember(feedId: number, member: number): Promise<EntryRecord | undefined> {
    const [row] = await this.read(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry WHERE feed_id = $1 AND member = $2 ORDER BY seq DESC LIMIT 1`,
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
      return (await this.readers.query(sql, values)).rows;
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
    const client = await this.writer.connect();
    // pg emits 'error' on a checked-out client whose connection drops; the running query rejects
    // too and reports it, so the event only needs a listener that keeps the process alive.
    client.on('error', ignore);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const results: Array<AppendResult | Error> = [];
      for (const { job, index } of inLockOrder(jobs)) {
        await client.query('SAVEPOINT job');
        try {
          results[index] = await appendInTransaction(client, job);
          await client.query('RELEASE SAVEPOINT job');
        } catch (error) {
          if (isUnavailable(error) || isTransient(error)) throw error;
          await client.query('ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job');
          results[index] = error instanceof Error ? error : new Error(String(error));
        }
      }
      // COMMIT of an aborted transaction "succeeds" as ROLLBACK; never report that as durable.
      const commit = await client.query('COMMIT');
      if (commit.command !== 'COMMIT') throw new Error(`store: the transaction ended in ${commit.command}`);
      return results;
    } catch (error) {
      if (isUnavailable(error)) broken = error instanceof Error ? error : new Error(String(error));
      else await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(broken);
    }
  }
}

function createPool(config: ServerConfig, max: number): pg.Pool {
  const pool = new pg.Pool({
    host: config.host, port: config.port, database: config.database, user: config.user, password: config.password,
    max, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, application_name: 'atommq',
  });
  // An idle connection the server drops emits 'error' on the pool, which would otherwise crash
  // the process; the pool discards that connection and the next query opens a new one.
  pool.on('error', ignore);
  return pool;
}

function ignore(): void {}
