import pg from 'pg';
import type { Driver, Session, SqlDialect, SqlSyntax, SqlValue } from '../dialect.js';
import type { ServerConfig } from '../dsn.js';
import { describeAddress, describeError } from '../errors.js';
import { isTransient, isUnavailable } from './errors.js';
import { APPEND_CHANNEL, AppendListener } from './listener.js';

/** Read connections per process; writes use one more connection of their own, LISTEN another. */
const READ_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;
/** How often long polls check `last_seq` while LISTEN is not (yet) in effect. */
const POLL_MS = 250;
/**
 * The advisory lock key that serialises migrations: "AtomMQ" in ASCII. Advisory locks are scoped
 * to one database, so heads of different databases on one server never wait for each other.
 */
const MIGRATION_LOCK = 0x41746f6d4d51;

/**
 * PostgreSQL's SQL. Writers are READ COMMITTED, explicitly whatever the server's default: each
 * statement sees every commit made before it, so after SELECT … FOR UPDATE of the feed row
 * every check sees what the head that held the lock before committed.
 */
const SYNTAX: SqlSyntax = {
  beginWrite: 'BEGIN ISOLATION LEVEL READ COMMITTED',
  forUpdate: 'FOR UPDATE',
  forShare: '',
  onConflictUpdate: (key) => `ON CONFLICT (${key}) DO UPDATE SET`,
  inserted: (column) => `EXCLUDED.${column}`,
  tableExists: (name) => `SELECT 1 AS present WHERE to_regclass('${name}') IS NOT NULL`,
  // 8 parameters a row stays far below PostgreSQL's 65,535.
  rowsPerInsert: 1000,
  types: { id: 'BIGSERIAL PRIMARY KEY', bigint: 'BIGINT', integer: 'INTEGER', text: () => 'TEXT', longText: 'TEXT', bytes: 'BYTEA', keyedTable: '', table: '' },
};

/** The `$1` form of a statement written with `?`, computed once per statement text. */
const numbered = new Map<string, string>();
function toNumbered(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${(n += 1)}`);
    numbered.set(sql, text);
  }
  return text;
}

/** A pool or a checked-out client, as a {@link Session}. */
class PgSession implements Session {
  constructor(readonly client: pg.Pool | pg.PoolClient) {}

  async query(sql: string, params: readonly SqlValue[] = []): Promise<readonly unknown[]> {
    return (await this.client.query(toNumbered(sql), [...params])).rows;
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.client.query(toNumbered(sql), [...params]);
    // COMMIT of an aborted transaction "succeeds" as ROLLBACK; never report that as durable.
    if (sql === 'COMMIT' && result.command !== 'COMMIT') throw new Error(`store: the transaction ended in ${result.command}`);
    return result.rowCount ?? 0;
  }
}

/** A pool for reads, and a pool of one connection for the writer's transactions. */
class PgDriver implements Driver {
  readonly reader: PgSession;
  private readonly writer: pg.Pool;

  constructor(config: ServerConfig) {
    this.reader = new PgSession(createPool(config, READ_POOL_SIZE));
    this.writer = createPool(config, 1);
  }

  async acquire(): Promise<Session> {
    const client = await this.writer.connect();
    // pg emits 'error' on a checked-out client whose connection drops; the running query rejects
    // too and reports it, so the event only needs a listener that keeps the process alive.
    client.on('error', ignore);
    return new PgSession(client);
  }

  async release(session: Session, failure: unknown): Promise<void> {
    if (!(session instanceof PgSession) || session.client instanceof pg.Pool) return;
    session.client.off('error', ignore);
    session.client.release(failure === undefined ? undefined : new Error('store: connection discarded', { cause: failure }));
  }

  async close(): Promise<void> {
    await Promise.all([this.reader.client.end(), this.writer.end()]);
  }
}

/** The PostgreSQL dialect, for several web heads sharing one database. */
export function openPostgresDialect(config: ServerConfig): Promise<SqlDialect> {
  const driver = new PgDriver(config);
  return Promise.resolve({
    driver,
    syntax: SYNTAX,
    adapter: {
      name: 'postgres',
      where: describeAddress('postgres', 5432, config),
      supportsReturning: true,
      supportsTransactionalDdl: true,
      // Released by the migration's COMMIT or ROLLBACK.
      acquireMigrationLock: async (db) => { await db.query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]); },
      releaseMigrationLock: async () => undefined,
      isUnavailable,
      isTransient,
      describe: (error) => describeError(error, config.password),
    },
    // Each append transaction NOTIFYs `feedId:lastSeq`, delivered at COMMIT to every head that LISTENs.
    watch: (onAppend) => {
      const listener = new AppendListener({ ...connectionOptions(config), application_name: 'atommq-listen' }, onAppend);
      return {
        pollMs: POLL_MS,
        wake: () => listener.ensure(),
        mayHaveChanged: async () => listener.mayHaveMissed(),
        announce: async (db, grown) => {
          await db.query(`SELECT pg_notify('${APPEND_CHANNEL}', payload) FROM unnest(string_to_array(?, ',')) AS payload`,
            [[...grown].map(([feedId, lastSeq]) => `${feedId}:${lastSeq}`).join(',')]);
        },
        close: () => listener.close(),
      };
    },
  });
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
