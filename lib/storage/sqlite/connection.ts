import sqlite3 from 'sqlite3';
import type { Session, SqlValue } from '../dialect.js';

/** Prepared statements one connection keeps. */
const MAX_STATEMENTS = 64;
/** Transaction control changes no rows, and `exec` runs it in one trip to SQLite's thread (not prepare, step, finalize). */
const TRANSACTION_CONTROL = /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/;

/** A promise-shaped view of one `sqlite3` connection; only the calls AtomMQ uses are declared. */
export class SqliteConnection implements Session {
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();

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
  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    if (TRANSACTION_CONTROL.test(sql)) return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve(0))));
    const ready = this.prepared(sql);
    const statement = await ready;
    return new Promise<number>((resolve, reject) => statement.run(params, function done(this: sqlite3.RunResult, error: Error | null) {
      if (error) reject(error);
      else resolve(this.changes);
    })).catch((error: unknown) => this.forget(sql, ready, error));
  }

  /** Runs a query and returns every row. */
  async all(sql: string, params: readonly SqlValue[] = []): Promise<unknown[]> {
    const ready = this.prepared(sql);
    const statement = await ready;
    return new Promise<unknown[]>((resolve, reject) =>
      statement.all(params, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows))))
      .catch((error: unknown) => this.forget(sql, ready, error));
  }

  /**
   * The statement for `sql`, prepared on first use and kept (issue 12: no statement is compiled
   * twice on the hot paths). node-sqlite3 queues the calls of one statement, so sharing it is
   * safe. A statement that ran to completion holds no read transaction open (sqlite3_stmt_busy),
   * so a kept reader statement never sees an old snapshot. The least recently used are finalized
   * beyond {@link MAX_STATEMENTS}: a batch INSERT's text varies with its row count.
   *
   * Preparing is awaited: node-sqlite3 never calls back the calls made on a statement that failed
   * to prepare (a table that does not exist yet, as migrate's first look expects), so they would
   * hang. A failed one is dropped, and the next call prepares it afresh.
   */
  private prepared(sql: string): Promise<sqlite3.Statement> {
    const kept = this.statements.get(sql);
    if (kept !== undefined) {
      this.statements.delete(sql);
      this.statements.set(sql, kept);
      return kept;
    }
    const ready = new Promise<sqlite3.Statement>((resolve, reject) => {
      const statement: sqlite3.Statement = this.db.prepare(sql, (error: Error | null) => {
        if (error === null) return resolve(statement);
        statement.finalize();
        reject(error);
      });
    });
    this.statements.set(sql, ready);
    ready.catch(() => this.drop(sql, ready));
    for (const [oldSql, old] of this.statements) {
      if (this.statements.size <= MAX_STATEMENTS) break;
      this.drop(oldSql, old);
    }
    return ready;
  }

  /** Forgets `ready` if it is still the one kept for `sql`, finalizing its statement. */
  private drop(sql: string, ready: Promise<sqlite3.Statement>): void {
    if (this.statements.get(sql) !== ready) return;
    this.statements.delete(sql);
    ready.then((statement) => statement.finalize(), () => undefined);
  }

  /** Drops a statement that failed, so the next call prepares it afresh; rethrows the failure. */
  private forget(sql: string, ready: Promise<sqlite3.Statement>, error: unknown): never {
    this.drop(sql, ready);
    throw error;
  }

  /** Finalizes the kept statements, then closes the connection. */
  async close(): Promise<void> {
    const statements = [...this.statements.values()];
    this.statements.clear();
    await Promise.all(statements.map((ready) => ready.then(
      (statement) => new Promise<void>((resolve) => statement.finalize(() => resolve())), () => undefined)));
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}
