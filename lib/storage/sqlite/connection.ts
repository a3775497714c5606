import sqlite3 from 'sqlite3';
import type { Session, SqlValue } from '../dialect.js';

/** Transaction control changes no rows, and `exec` runs it in one trip to SQLite's thread (not prepare, step, finalize). */
const TRANSACTION_CONTROL = /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/;

/** A promise-shaped view of one `sqlite3` connection; only the calls AtomMQ uses are declared. */
export class SqliteConnection implements Session {
  private constructor(private readonly db: sqlite3.Database) {}

  /** Opens (creating if needed) the database file and sets the busy timeout. */
  static open(path: string, busyTimeoutMs: number): Promise<SqliteConnection> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (error) => {
        if (error) return reject(error);
        // A busy handler makes concurrent CGI processes wait for the write lock instead of failing.
        db.configure('busyTimeout', busyTimeoutMs);
        resolve(new SqliteConnection(db));
      });
    });
  }

  /** Runs a statement that returns no rows; resolves with how many rows it changed. */
  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    if (TRANSACTION_CONTROL.test(sql)) return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve(0))));
    return new Promise((resolve, reject) => this.db.run(sql, params, function done(this: sqlite3.RunResult, error: Error | null) {
      if (error) reject(error);
      else resolve(this.changes);
    }));
  }

  /** Runs a query and returns every row. */
  all(sql: string, params: readonly SqlValue[] = []): Promise<unknown[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows))));
  }

  /** Closes the connection. */
  close(): Promise<void> { return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve()))); }
}
