import pg from 'pg';
import { AppendWatcher } from '../append-watcher.js';
import type { StoreConfig } from '../dsn.js';
import { ENTRY_COLUMNS, FEED_COLUMNS, bytesField, feedKey, integerField, textField, toEntryRecord, toFeedRecord } from '../rows.js';
import type { AppendRequest, AppendResult, EntryRecord, FeedRecord, FeedSettings, MediaRecord, PruneRule, Store } from '../store.js';
import { StoreUnavailableError } from '../store.js';
import { FLAVOURS, numberedPlaceholders } from '../group-sql.js';
import { SqlGroupStore } from '../group-store.js';
import { appendInTransaction } from './append.js';
import { describeError, describeServer, wrapError } from './errors.js';
import { AppendListener } from './listener.js';
import { migrate } from './migrate.js';
import { deleteFeedRows, expireKeys, pruneRows, updateFeedSettings } from './retention.js';
import { PostgresWriter } from './writer.js';

/** A parsed DSN of a database server (PostgreSQL or MySQL). */
export type ServerConfig = Exclude<StoreConfig, { readonly dialect: 'sqlite' }>;

/** Read connections per process; writes use one more connection of their own, LISTEN another. */
const READ_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;
/** How often long polls check `last_seq` while LISTEN is not (yet) in effect. */
const POLL_MS = 250;

/**
 * The PostgreSQL store, for several web heads sharing one database.
 *
 * - Ordering (the reason this design exists): an auto-increment id is assigned at INSERT but
 *   becomes visible at COMMIT, so a consumer reading "seq > 42" could see 44 before 43 commits and
 *   skip 43 forever. Instead, each append transaction runs
 *   `UPDATE atommq_feed SET last_seq = last_seq + n … RETURNING`: the row lock it takes is held
 *   until COMMIT, so publishers of one feed, on every head, take turns. Whoever holds the lock
 *   takes the next n numbers, and the next publisher can only take its numbers after that commit
 *   is visible. Sequence numbers are therefore gapless and in commit order.
 * - Checks (member state, If-Match, idempotency keys): an append that carries any first locks
 *   the feed row (SELECT … FOR UPDATE), then checks, then takes its numbers. Writers are READ
 *   COMMITTED, so each check sees every commit made before the lock was granted: two heads
 *   racing on one Idempotency-Key take turns, and the second finds the first one's key.
 * - Feed creation: the UPDATE comes first, so the common case (the feed exists) inserts nothing
 *   and burns no BIGSERIAL value. When it matched no row, `INSERT … ON CONFLICT (name_key) DO
 *   UPDATE` creates the feed, or, when another head created it meanwhile, waits for that commit
 *   and increments the counter instead: exactly one feed, whatever the race.
 * - Deadlocks: a batch locks its feeds in name_key order, so two heads cannot wait on each other;
 *   should the server still roll a batch back (40P01, 40001), the whole batch runs again.
 * - Group commit: writes that arrive while a transaction is in flight share the next one, each in
 *   its own savepoint, on one dedicated connection (see {@link PostgresWriter}). Reads use a
 *   separate pool; PostgreSQL's READ COMMITTED shows each read every commit.
 * - Long polling: each append transaction NOTIFYs `feedId:lastSeq`, which PostgreSQL delivers at
 *   COMMIT to every head that LISTENs (see {@link AppendListener}).
 * - Durability: the server's default `synchronous_commit = on` flushes WAL before COMMIT returns.
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly watcher = new AppendWatcher((id) => this.lastSeq(id), POLL_MS, async () => this.listener.mayHaveMissed());
  private readonly listener: AppendListener;
  private readonly writer: PostgresWriter;
  private isClosed = false;
  readonly groups = new SqlGroupStore({
    flavour: FLAVOURS.postgres,
    read: (sql, params = []) => this.read(numberedPlaceholders(sql), [...params]),
    write: (lockKey, work) => this.writer.write(lockKey, (db) =>
      work({ query: async (sql, params = []) => (await db.query(numberedPlaceholders(sql), [...params])).rows })),
    waitForAppend: (feedId, afterSeq, signal) => this.waitForAppend(feedId, afterSeq, signal),
  });

  private constructor(private readonly config: ServerConfig, private readonly readers: pg.Pool, writer: pg.Pool) {
    this.writer = new PostgresWriter(writer, config);
    this.listener = new AppendListener({ ...connectionOptions(config), application_name: 'atommq-listen' },
      (feedId, lastSeq) => this.watcher.notify(feedId, lastSeq));
  }

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

  async append(request: AppendRequest): Promise<AppendResult> {
    const result = await this.writer.write(feedKey(request.feed), (db) => appendInTransaction(db, request),
      (r) => (r.replayed || r.entries.length === 0 ? undefined : { feedId: r.feed.id, lastSeq: r.feed.lastSeq }));
    // Waiters in this process need not wait for the NOTIFY round trip.
    this.watcher.notify(result.feed.id, result.feed.lastSeq);
    return result;
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

  async readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]> {
    const rows = await this.read(
      `SELECT ${ENTRY_COLUMNS} FROM atommq_entry AS e WHERE feed_id = $1 AND seq < $2 AND kind = 'entry'
       AND NOT EXISTS (SELECT 1 FROM atommq_entry AS n WHERE n.feed_id = e.feed_id AND n.member = e.member AND n.seq > e.seq)
       ORDER BY seq DESC LIMIT $3`, [feedId, beforeSeq, limit]);
    return rows.map(toEntryRecord);
  }

  async readMedia(feedId: number, member: number): Promise<MediaRecord | undefined> {
    const [row] = await this.read('SELECT content_type, bytes FROM atommq_media WHERE feed_id = $1 AND member = $2', [feedId, member]);
    return row === undefined ? undefined : { type: textField(row, 'content_type'), bytes: bytesField(row, 'bytes') };
  }

  async lastSeq(feedId: number): Promise<number> {
    const [row] = await this.read('SELECT last_seq FROM atommq_feed WHERE id = $1', [feedId]);
    return row === undefined ? 0 : integerField(row, 'last_seq');
  }

  async waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void> {
    if (this.isClosed) return;
    this.listener.ensure();
    await this.watcher.wait(feedId, afterSeq, signal);
  }

  updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
    return this.writer.write(feedKey(name), (db) => updateFeedSettings(db, name, settings));
  }

  deleteFeed(name: string): Promise<boolean> {
    return this.writer.write(feedKey(name), (db) => deleteFeedRows(db, name));
  }

  async prune(feedId: number, rule: PruneRule): Promise<number> {
    // The feed's name_key orders this job among a batch's appends (see PostgresWriter).
    const [feed] = await this.read('SELECT name_key FROM atommq_feed WHERE id = $1', [feedId]);
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
    await Promise.all([this.listener.close(), this.readers.end(), this.writer.end()]);
  }

  private async read(sql: string, values: unknown[] = []): Promise<readonly unknown[]> {
    try {
      return (await this.readers.query(sql, values)).rows;
    } catch (error) {
      throw wrapError('unable to read', error, this.config);
    }
  }
}

function connectionOptions(config: ServerConfig): pg.ClientConfig {
  return {
    host: config.host, port: config.port, database: config.database, user: config.user, password: config.password,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, application_name: 'atommq',
  };
}

function createPool(config: ServerConfig, max: number): pg.Pool {
  const pool = new pg.Pool({ ...connectionOptions(config), max });
  // An idle connection the server drops emits 'error' on the pool, which would otherwise crash
  // the process; the pool discards that connection and the next query opens a new one.
  pool.on('error', ignore);
  return pool;
}

function ignore(): void {}
