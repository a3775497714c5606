import sqlite3 from 'sqlite3';
import type { Session, SqlValue } from '../dialect.js';
import { errorCode } from '../errors.js';

/** The parameters a statement binds. */
export type SqlParams = readonly SqlValue[];

/**
 * A promise-shaped view of one `sqlite3` connection. Only the calls AtomMQ uses are declared.
 */
export class SqliteConnection implements Session {
  private constructor(private readonly db: sqlite3.Database) {}

  /** Opens (creating if needed) the database file and sets the busy timeout. */
  static open(path: string, busyTimeoutMs: number): Promise<SqliteConnection> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (error) => {
        if (error) reject(error);
        else {
          // A busy handler makes concurrent CGI processes wait for the write lock instead of failing.
          db.configure('busyTimeout', busyTimeoutMs);
          resolve(new SqliteConnection(db));
        }
      });
    });
  }

  /** Runs one or more statements with no parameters and no result. */
  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  /** Runs a statement that returns no rows; resolves with how many rows it changed. */
  run(sql: string, params: SqlParams = []): Promise<number> {
    return new Promise((resolve, reject) => this.db.run(sql, params, function done(this: sqlite3.RunResult, error: Error | null) {
      if (error) reject(error);
      else resolve(this.changes);
    }));
  }

  /** Runs a query and returns every row. */
  all(sql: string, params: SqlParams = []): Promise<unknown[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows))));
  }

  /** Runs a query and returns its first row, if any. */
  async get(sql: string, params: SqlParams = []): Promise<unknown> {
    const rows = await this.all(sql, params);
    return rows[0];
  }

  /** {@link Session.query}: every row. */
  query(sql: string, params: SqlParams = []): Promise<unknown[]> {
    return this.all(sql, params);
  }

  /** {@link Session.execute}: the rows changed. */
  execute(sql: string, params: SqlParams = []): Promise<number> {
    return this.run(sql, params);
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}

/** SQLite result codes that mean "the database cannot be written now", not a bug. */
const UNAVAILABLE_CODES = new Set(['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_PERM']);

/** Returns true when `error` is one of SQLite's "cannot write now" conditions. */
export function isUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && UNAVAILABLE_CODES.has(code);
}
