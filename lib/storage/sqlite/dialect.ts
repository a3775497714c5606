import { STANDARD_ADAPTER, STANDARD_SYNTAX, pollingSignals, type SqlDialect, type SqlSyntax } from '../dialect.js';
import { describeError, unavailableBy } from '../errors.js';
import { integerField } from '../rows.js';
import { SqliteDriver, openWriter } from './driver.js';
import { WalWatch } from './wal-watch.js';

/**
 * How often long polls look for commits by other processes when no change event came: a safety
 * net only, since the WAL file's change events (wal-watch.ts) wake them at once. It was 25 ms
 * before those events, which cost an idle server ~3% of a core while anyone waited (issue 12).
 */
const POLL_MS = 1000;

/**
 * SQLite's SQL, where it differs from the standard. Every write transaction is `BEGIN
 * IMMEDIATE`, which takes SQLite's single write lock before the per-feed counter is read, so
 * sequence numbers follow commit order across any number of processes and no row lock is needed.
 */
const SYNTAX: SqlSyntax = {
  ...STANDARD_SYNTAX,
  beginWrite: 'BEGIN IMMEDIATE',
  forUpdate: '',
  // julianday() counts days from noon UTC, 4714 BC; 2440587.5 of them reach the Unix epoch.
  nowMs: "SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS now",
  rowsPerInsert: 500, // 4,000 parameters, far below SQLite's 32,766
  types: { ...STANDARD_SYNTAX.types, id: 'INTEGER PRIMARY KEY AUTOINCREMENT', bigint: 'INTEGER', bytes: 'BLOB', keyedTable: ' WITHOUT ROWID' },
};

/** SQLite result codes that mean "the database cannot be written now", not a bug. */
const isUnavailable = unavailableBy({ codes: /^SQLITE_(FULL|READONLY|CANTOPEN|IOERR|BUSY|LOCKED|PERM)$/ });

/** Opens the database file and returns the SQLite dialect over it: the embedded default. */
export async function openSqliteDialect(path: string): Promise<SqlDialect> {
  const driver = new SqliteDriver(path, await openWriter(path));
  return {
    driver,
    syntax: SYNTAX,
    // BEGIN IMMEDIATE is the migration lock too: a second process starting at once waits for it.
    adapter: { ...STANDARD_ADAPTER, name: 'sqlite', where: `SQLite database ${path}`, isUnavailable, describe: (error) => describeError(error, undefined) },
    watch: (_onAppend, onMaybe) => {
      let seen = -1;
      const wal = new WalWatch(path, onMaybe);
      return {
        ...pollingSignals(POLL_MS),
        wake: () => wal.ensure(),
        // Another connection committed since the last look when `PRAGMA data_version` moved.
        mayHaveChanged: async () => {
          const [row] = await driver.reader.all('PRAGMA data_version');
          return seen !== (seen = integerField(row, 'data_version'));
        },
        close: async () => wal.close(),
      };
    },
  };
}
