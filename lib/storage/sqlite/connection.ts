import sqlite3 from 'sqlite3';
import type { Session, SqlValue } from '../dialect.js';

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

  /** Runs a query and returns its first row, if any. */
  async get(sql: string, params: readonly SqlValue[] = []): Promise<unknown> {
    return (await this.all(sql, params))[0];
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}
