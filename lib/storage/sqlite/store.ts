import { SqlStore } from '../sql-store.js';
import { openSqliteDialect } from './dialect.js';

/** The SQL store on a SQLite file. */
export const SqliteStore = {
  /** Opens the database file, switches it to WAL and brings its schema up to date. */
  open: (path: string): Promise<SqlStore> => SqlStore.open(`SQLite database ${path}`, () => openSqliteDialect(path)),
};
