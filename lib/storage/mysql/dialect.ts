import { createPool, type Pool, type PoolConnection, type PoolOptions } from 'mysql2/promise';
import { STANDARD_ADAPTER, STANDARD_SYNTAX, pollingSignals, type SqlDialect, type SqlSyntax } from '../dialect.js';
import type { ServerConfig } from '../dsn.js';
import { describeAddress, describeError, transientBy, unavailableBy } from '../errors.js';
import { integerField } from '../rows.js';
import { ServerDriver } from '../server-driver.js';

/** Read connections per process (writes use one more); how often waiters poll `last_seq`; how long a head waits to migrate. */
const READ_POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 10_000;
const POLL_MS = 50;
const LOCK_WAIT_S = 60;
/** GET_LOCK names are server-wide and at most 64 characters: scope the lock to this database. */
const LOCK_NAME = "LEFT(CONCAT('atommq_migrate:', DATABASE()), 64)";
const INNODB = ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

/**
 * Run on every new connection before its first use. READ COMMITTED: a reader sees every commit
 * made before it, and InnoDB takes no gap locks that would make writers wait on each other.
 * Strict: a value too long for its column fails instead of being truncated; tables stay InnoDB.
 */
const SESSION_SETUP = ['SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"];

/**
 * MySQL's SQL, where it differs from the standard. A read in a write transaction locks, to see the
 * newest committed rows, not an older InnoDB snapshot. The upsert never holds a shared lock that
 * two transactions would both try to upgrade, as INSERT IGNORE would (an InnoDB deadlock).
 */
const SYNTAX: SqlSyntax = {
  ...STANDARD_SYNTAX,
  beginWrite: 'START TRANSACTION',
  forShare: 'LOCK IN SHARE MODE',
  onConflictUpdate: () => 'ON DUPLICATE KEY UPDATE',
  inserted: (column) => `VALUES(${column})`,
  rowsPerInsert: 500,
  types: {
    ...STANDARD_SYNTAX.types, id: 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY', text: (chars) => `VARCHAR(${chars})`,
    longText: 'MEDIUMTEXT', bytes: 'LONGBLOB', keyedTable: INNODB, table: INNODB,
  },
};

/**
 * "Cannot serve now": mysql2's protocol errors, a full disk or table, a read-only server (a
 * replica after failover), too many connections, shutdown, a killed connection (MariaDB's 1927),
 * refused credentials, a missing database, a lock wait timeout, a closed pool.
 */
const isUnavailable = unavailableBy({
  codes: /^(PROTOCOL_(CONNECTION_LOST|SEQUENCE_TIMEOUT)|ER_(DISK_FULL|RECORD_FILE_FULL|OPTION_PREVENTS_STATEMENT|READ_ONLY_MODE|CANT_EXECUTE_IN_READ_ONLY_TRANSACTION|CON_COUNT_ERROR|TOO_MANY_USER_CONNECTIONS|SERVER_SHUTDOWN|QUERY_INTERRUPTED|OUT_OF_RESOURCES|OUTOFMEMORY|ACCESS_DENIED_ERROR|DBACCESS_DENIED_ERROR|BAD_DB_ERROR|LOCK_WAIT_TIMEOUT))$/,
  errnos: [1927],
  messages: /^Pool is closed/,
});

/**
 * The MySQL/MariaDB dialect, for several web heads sharing one database. COMMIT is durable only
 * with the server's `innodb_flush_log_at_trx_commit = 1` (the default) and, on a replicated
 * server, `sync_binlog = 1`; AtomMQ does not change server settings.
 */
export async function openMysqlDialect(config: ServerConfig): Promise<SqlDialect> {
  const readers = openPool(config, READ_POOL_SIZE);
  const writer = openPool(config, 1);
  return {
    driver: new ServerDriver<PoolConnection>({
      run: async (connection, sql, params) => {
        const [result] = await (connection ?? readers).query(sql, params);
        return Array.isArray(result) ? { rows: result, changed: 0 } : { rows: [], changed: integerField(result, 'affectedRows') };
      },
      connect: () => writer.getConnection(),
      release: (connection, isBroken) => (isBroken ? connection.destroy() : connection.release()),
      end: async () => { await Promise.all([readers.end(), writer.end()]); },
    }),
    syntax: SYNTAX,
    adapter: {
      ...STANDARD_ADAPTER,
      name: 'mysql',
      where: describeAddress('mysql', 3306, config),
      // UPDATE has no RETURNING: the counter is read back with SELECT … FOR UPDATE.
      supportsReturning: false,
      // DDL commits implicitly: a named lock, held by the session, makes heads take turns.
      supportsTransactionalDdl: false,
      acquireMigrationLock: async (db) => {
        const [lock] = await db.all(`SELECT COALESCE(GET_LOCK(${LOCK_NAME}, ?), 0) AS locked`, [LOCK_WAIT_S]);
        if (integerField(lock, 'locked') !== 1) throw new Error(`timed out after ${LOCK_WAIT_S} s waiting for another process to finish migrating`);
      },
      releaseMigrationLock: async (db) => { await db.run(`DO RELEASE_LOCK(${LOCK_NAME})`); },
      isUnavailable,
      isTransient: transientBy(['ER_LOCK_DEADLOCK']),
      describe: (error) => describeError(error, config.password),
    },
    // MySQL has no LISTEN: while someone waits, the watcher reads `last_seq` of each watched feed.
    watch: () => pollingSignals(POLL_MS),
  };
}

/** Creates a pool whose connections use utf8mb4, READ COMMITTED and strict SQL mode. */
function openPool(config: ServerConfig, connectionLimit: number): Pool {
  const options: PoolOptions = {
    host: config.host, database: config.database, connectionLimit, connectTimeout: CONNECT_TIMEOUT_MS,
    // utf8mb4 stores every Unicode character; numbers stay numbers while they are exact.
    charset: 'utf8mb4', supportBigNumbers: true, bigNumberStrings: false, enableKeepAlive: true,
    ...(config.port === undefined ? {} : { port: config.port }),
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
  };
  const pool = createPool(options);
  // mysql2 emits 'connection' before handing a new connection out, so these statements are
  // queued ahead of its first query. Should one fail, the connection is destroyed (failing that
  // query, which reports it) rather than used with the wrong isolation level.
  pool.on('connection', (connection: unknown) => {
    if (!isCallbackConnection(connection)) return;
    for (const sql of SESSION_SETUP) connection.query(sql, (error) => { if (error) connection.destroy(); });
  });
  return pool;
}

/** The callback-style connection that mysql2 hands to a pool's 'connection' listener. */
type CallbackConnection = { query(sql: string, callback: (error: unknown) => void): unknown; destroy(): void };
function isCallbackConnection(value: unknown): value is CallbackConnection {
  return typeof value === 'object' && value !== null
    && typeof Reflect.get(value, 'query') === 'function' && typeof Reflect.get(value, 'destroy') === 'function';
}
