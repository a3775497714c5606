import pg from 'pg';
import { STANDARD_ADAPTER, STANDARD_SYNTAX, type SqlDialect } from '../dialect.js';
import type { ServerConfig } from '../dsn.js';
import { describeAddress, describeError, transientBy, unavailableBy } from '../errors.js';
import { ServerDriver } from '../server-driver.js';
import { APPEND_CHANNEL, AppendListener } from './listener.js';

/** Read connections per process (writes use one more, LISTEN another); the poll while LISTEN is not in effect. */
const READ_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;
const POLL_MS = 250;
/** The advisory lock that serialises migrations: "AtomMQ" in ASCII, scoped to one database. */
const MIGRATION_LOCK = 0x41746f6d4d51;

/**
 * "Cannot serve now", by SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * 08 connection exception, 28 authorization, 53 insufficient resources (53100 disk full), 57P0x
 * shutdown, 58 I/O error, 3D000 no such database, 25006 read-only transaction (a hot standby);
 * and what pg raises without a SQLSTATE when the connection itself fails.
 */
const isUnavailable = unavailableBy({
  codes: /^(08|28|53|57P0|58)|^(3D000|25006)$/,
  messages: /connection terminated|timeout exceeded when trying to connect|connection error|after calling end on the pool|not queryable/i,
});

/** The `$1` form of a statement written with `?` (the only placeholder PostgreSQL lacks), once per text. */
const numbered = new Map<string, string>();
function toNumbered(sql: string): string {
  let n = 0;
  const text = numbered.get(sql) ?? sql.replace(/\?/g, () => `$${(n += 1)}`);
  numbered.set(sql, text);
  return text;
}

/** The PostgreSQL dialect, standard SQL throughout; durable by the default `synchronous_commit = on`. */
export async function openPostgresDialect(config: ServerConfig): Promise<SqlDialect> {
  const readers = createPool(config, READ_POOL_SIZE);
  const writer = createPool(config, 1);
  return {
    driver: new ServerDriver<pg.PoolClient>({
      run: async (client, sql, params) => {
        const result = await (client ?? readers).query(toNumbered(sql), params);
        // COMMIT of an aborted transaction "succeeds" as ROLLBACK; never report that as durable.
        if (sql === 'COMMIT' && result.command !== 'COMMIT') throw new Error(`store: the transaction ended in ${result.command}`);
        return { rows: result.rows, changed: result.rowCount ?? 0 };
      },
      // pg emits 'error' on a checked-out client whose connection drops; the running query
      // rejects too and reports it, so the event only needs a listener that keeps the process alive.
      connect: async () => (await writer.connect()).on('error', ignore),
      release: (client, isBroken) => client.off('error', ignore).release(isBroken),
      end: async () => { await Promise.all([readers.end(), writer.end()]); },
    }),
    syntax: STANDARD_SYNTAX,
    adapter: {
      ...STANDARD_ADAPTER,
      name: 'postgres',
      where: describeAddress('postgres', 5432, config),
      // Released by the migration's COMMIT or ROLLBACK.
      acquireMigrationLock: async (db) => { await db.all('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]); },
      isUnavailable,
      isTransient: transientBy(['40P01', '40001']), // deadlock, serialization failure
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
          await db.all(`SELECT pg_notify('${APPEND_CHANNEL}', payload) FROM unnest(string_to_array(?, ',')) AS payload`,
            [[...grown].map(([feedId, lastSeq]) => `${feedId}:${lastSeq}`).join(',')]);
        },
        close: () => listener.close(),
      };
    },
  };
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
