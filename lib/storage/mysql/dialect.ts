import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Driver, Session, SqlDialect, SqlSyntax, SqlValue } from '../dialect.js';
import type { ServerConfig } from '../dsn.js';
import { describeAddress, describeError } from '../errors.js';
import { integerField } from '../rows.js';
import { isTransient, isUnavailable } from './errors.js';
import { openPool } from './pool.js';

/** Read connections per process; writes use one more connection of their own. */
const READ_POOL_SIZE = 10;
/** How often long polls look for other heads' appends: one `last_seq` lookup per watched feed. */
const POLL_MS = 50;
/** How long a starting head waits for another head's migration, in seconds. */
const LOCK_WAIT_S = 60;
/** GET_LOCK names are server-wide and at most 64 characters: scope the lock to this database. */
const LOCK_NAME = "LEFT(CONCAT('atommq_migrate:', DATABASE()), 64)";

/**
 * MySQL's SQL. Inside a write transaction every read is a locking read: it sees the newest
 * committed row versions, where a plain SELECT could read an older InnoDB snapshot. UPDATE has no
 * RETURNING, so the counter is read back with SELECT … FOR UPDATE in the same transaction.
 */
const SYNTAX: SqlSyntax = {
  beginWrite: 'START TRANSACTION',
  forUpdate: 'FOR UPDATE',
  forShare: 'LOCK IN SHARE MODE',
  // Unlike INSERT IGNORE, this never holds a shared lock that two transactions would both try
  // to upgrade (an InnoDB deadlock).
  onConflictUpdate: () => 'ON DUPLICATE KEY UPDATE',
  inserted: (column) => `VALUES(${column})`,
  tableExists: (name) => `SELECT 1 AS present FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '${name}'`,
  rowsPerInsert: 500,
  types: {
    id: 'BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY', bigint: 'BIGINT', integer: 'INTEGER', text: (chars) => `VARCHAR(${chars})`,
    longText: 'MEDIUMTEXT', bytes: 'LONGBLOB', keyedTable: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    table: ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  },
};

/** A pool or a checked-out connection, as a {@link Session}. */
class MysqlSession implements Session {
  constructor(readonly connection: Pool | PoolConnection) {}

  async query(sql: string, params: readonly SqlValue[] = []): Promise<readonly unknown[]> {
    const [rows] = await this.connection.query(sql, [...params]);
    return Array.isArray(rows) ? rows : [];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const [result] = await this.connection.query(sql, [...params]);
    return Array.isArray(result) ? 0 : integerField(result, 'affectedRows');
  }
}

/** A pool for reads, and a pool of one connection for the writer's transactions. */
class MysqlDriver implements Driver {
  readonly reader: MysqlSession;
  private readonly writer: Pool;

  constructor(config: ServerConfig) {
    this.reader = new MysqlSession(openPool(config, READ_POOL_SIZE));
    this.writer = openPool(config, 1);
  }

  async acquire(): Promise<Session> {
    return new MysqlSession(await this.writer.getConnection());
  }

  async release(session: Session, failure: unknown): Promise<void> {
    if (!(session instanceof MysqlSession) || !('release' in session.connection)) return;
    // A connection that may be lost (or holds a lock) is dropped: that ends its session server-side.
    if (failure === undefined) session.connection.release();
    else session.connection.destroy();
  }

  async close(): Promise<void> {
    await Promise.all([this.reader.connection.end(), this.writer.end()]);
  }
}

/**
 * The MySQL/MariaDB dialect, for several web heads sharing one database. COMMIT is durable only
 * with the server's `innodb_flush_log_at_trx_commit = 1` (the default) and, on a replicated
 * server, `sync_binlog = 1`; AtomMQ does not change server settings.
 */
export function openMysqlDialect(config: ServerConfig): Promise<SqlDialect> {
  const driver = new MysqlDriver(config);
  return Promise.resolve({
    driver,
    syntax: SYNTAX,
    adapter: {
      name: 'mysql',
      where: describeAddress('mysql', 3306, config),
      supportsReturning: false,
      // DDL commits implicitly: a named lock, held by the session, makes heads take turns.
      supportsTransactionalDdl: false,
      acquireMigrationLock: async (db) => {
        const [lock] = await db.query(`SELECT COALESCE(GET_LOCK(${LOCK_NAME}, ?), 0) AS locked`, [LOCK_WAIT_S]);
        if (integerField(lock, 'locked') !== 1) throw new Error(`timed out after ${LOCK_WAIT_S} s waiting for another process to finish migrating`);
      },
      releaseMigrationLock: async (db) => { await db.execute(`DO RELEASE_LOCK(${LOCK_NAME})`); },
      isUnavailable,
      isTransient,
      describe: (error) => describeError(error, config.password),
    },
    // MySQL has no LISTEN: while someone waits, the watcher reads `last_seq` of each watched feed.
    watch: () => ({
      pollMs: POLL_MS, wake: () => undefined, mayHaveChanged: async () => true, announce: async () => undefined, close: async () => undefined,
    }),
  });
}
