import type { SqlDialect, SqlSyntax } from '../dialect.js';
import { describeError } from '../errors.js';
import { integerField } from '../rows.js';
import { isUnavailable } from './connection.js';
import { SqliteDriver } from './driver.js';
import { WalWatch } from './wal-watch.js';

/**
 * How often long polls look for commits by other processes when no change event came: a safety
 * net only, since the WAL file's change events (wal-watch.ts) wake them at once. It was 25 ms
 * before those events, which cost an idle server ~3% of a core while anyone waited (issue 12).
 */
const POLL_MS = 1000;

/**
 * SQLite's SQL. Every write transaction is `BEGIN IMMEDIATE`, which takes SQLite's single write
 * lock before the per-feed counter is read: sequence numbers follow commit order across any
 * number of processes, and no row lock (FOR UPDATE) is needed or known.
 */
const SYNTAX: SqlSyntax = {
  beginWrite: 'BEGIN IMMEDIATE',
  forUpdate: '',
  forShare: '',
  onConflictUpdate: (key) => `ON CONFLICT (${key}) DO UPDATE SET`,
  inserted: (column) => `excluded.${column}`,
  tableExists: (name) => `SELECT name FROM sqlite_master WHERE type = 'table' AND name = '${name}'`,
  // 8 parameters a row stays far below SQLite's 32,766 bound parameters.
  rowsPerInsert: 500,
  types: {
    id: 'INTEGER PRIMARY KEY AUTOINCREMENT', bigint: 'INTEGER', integer: 'INTEGER', text: () => 'TEXT', longText: 'TEXT',
    bytes: 'BLOB', keyedTable: ' WITHOUT ROWID', table: '',
  },
};

/** Opens the database file and returns the SQLite dialect over it: the embedded default. */
export async function openSqliteDialect(path: string): Promise<SqlDialect> {
  const driver = await SqliteDriver.open(path);
  return {
    driver,
    syntax: SYNTAX,
    adapter: {
      name: 'sqlite',
      where: `SQLite database ${path}`,
      supportsReturning: true,
      supportsTransactionalDdl: true,
      // BEGIN IMMEDIATE already serialises concurrent first starts.
      acquireMigrationLock: async () => undefined,
      releaseMigrationLock: async () => undefined,
      isUnavailable,
      isTransient: () => false,
      describe: (error) => describeError(error, undefined),
    },
    watch: (_onAppend, onMaybe) => {
      let seen = -1;
      const wal = new WalWatch(path, onMaybe);
      return {
        pollMs: POLL_MS,
        wake: () => wal.ensure(),
        // Another connection committed since the last look when `PRAGMA data_version` moved.
        mayHaveChanged: async () => {
          const [row] = await driver.reader.query('PRAGMA data_version');
          const version = integerField(row, 'data_version');
          const changed = version !== seen;
          seen = version;
          return changed;
        },
        announce: async () => undefined,
        close: async () => wal.close(),
      };
    },
  };
}
