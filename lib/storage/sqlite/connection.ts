import sqlite3 from 'sqlite3';
import type { Session, SqlValue } from '../dialect.js';

/** Prepared statements one connection keeps. */
const MAX_STATEMENTS = 64;

/** A promise-shaped view of one `sqlite3` connection; only the calls AtomMQ uses are declared. */
export class SqliteConnection implements Session {
  private readonly statements = new Map<string, sqlite3.Statement>();

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
    const statement = this.prepared(sql);
    return new Promise<number>((resolve, reject) => statement.run(params, function done(this: sqlite3.RunResult, error: Error | null) {
      if (error) reject(error);
      else resolve(this.changes);
    })).catch((error: unknown) => this.forget(sql, statement, error));
  }

  /** Runs a query and returns every row. */
  all(sql: string, params: readonly SqlValue[] = []): Promise<unknown[]> {
    const statement = this.prepared(sql);
    return new Promise<unknown[]>((resolve, reject) =>
      statement.all(params, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows))))
      .catch((error: unknown) => this.forget(sql, statement, error));
  }

  /**
   * The statement for `sql`, prepared on first use and kept (issue 12: no statement is compiled
   * twice on the hot paths). node-sqlite3 queues the calls of one statement, so sharing it is
   * safe. A statement that ran to completion holds no read transaction open (sqlite3_stmt_busy),
   * so a kept reader statement never sees an old snapshot. The least recently used are finalized
   * beyond {@link MAX_STATEMENTS}: a batch INSERT's text varies with its row count.
   */
  private prepared(sql: string): sqlite3.Statement {
    const kept = this.statements.get(sql);
    if (kept !== undefined) {
      this.statements.delete(sql);
      this.statements.set(sql, kept);
      return kept;
    }
    // With a callback, a statement that fails to prepare reports it to each call, not as an
    // 'error' event that nobody listens to.
    const statement = this.db.prepare(sql, () => undefined);
    this.statements.set(sql, statement);
    for (const [oldSql, old] of this.statements) {
      if (this.statements.size <= MAX_STATEMENTS) break;
      this.statements.delete(oldSql);
      old.finalize();
    }
    return statement;
  }

  /** Drops a statement that failed, so the next call prepares it afresh; rethrows the failure. */
  private forget(sql: string, statement: sqlite3.Statement, error: unknown): never {
    if (this.statements.get(sql) === statement) {
      this.statements.delete(sql);
      statement.finalize();
    }
    throw error;
  }

  /** Finalizes the kept statements, then closes the connection. */
  async close(): Promise<void> {
    const statements = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(statements.map((statement) => new Promise<void>((resolve) => statement.finalize(() => resolve()))));
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}
