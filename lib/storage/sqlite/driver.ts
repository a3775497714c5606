import type { Driver, Session } from '../dialect.js';
import { errorCode } from '../errors.js';
import { StoreUnavailableError } from '../store.js';
import { SqliteConnection } from './connection.js';

/** How long a writer waits for another process's write lock before answering 503. */
const BUSY_TIMEOUT_MS = 15_000;

/**
 * SQLite's connections: writes go through one, reads through another, opened on first use. A
 * reader therefore never sees a row of a transaction that has not committed yet. Every write
 * connection is switched to WAL with `synchronous=FULL`, so a commit is on disk when it returns.
 */
export class SqliteDriver implements Driver {
  readonly reader: Session = { query: async (sql, params) => (await this.read()).all(sql, params), execute: async (sql, params) => (await this.read()).run(sql, params) };
  private readerConnection: Promise<SqliteConnection> | undefined;
  /** Set when the writer connection proved read-only; the next transaction opens new connections. */
  private isWriterStale = false;
  /** Pending while the connections are being replaced. */
  private reopening: Promise<void> | undefined;

  private constructor(readonly path: string, private writer: SqliteConnection) {}

  /** Opens the database file as the writer connection, in WAL with full syncs. */
  static async open(path: string): Promise<SqliteDriver> {
    return new SqliteDriver(path, await openWriter(path));
  }

  acquire(): Promise<Session> {
    return this.writable();
  }

  /**
   * After a failure, rolls back whatever is open. SQLite opens a file it cannot write (a read-only
   * folder or mount) read-only, silently, and that connection stays read-only after the folder
   * becomes writable again; so a writer that failed with SQLITE_READONLY is replaced before the
   * next transaction, and writes resume by themselves.
   */
  async release(session: Session, failure: unknown): Promise<void> {
    if (failure === undefined) return;
    await session.execute('ROLLBACK').catch(() => undefined);
    if (errorCode(failure) === 'SQLITE_READONLY') this.isWriterStale = true;
  }

  async close(): Promise<void> {
    const reader = this.readerConnection;
    this.readerConnection = undefined;
    await Promise.all([this.isWriterStale ? closeWhenIdle(this.writer) : this.writer.close(), reader?.then((c) => c.close())]);
  }

  /** The reader connection; reads wait while the connections are being replaced. */
  private read(): Promise<SqliteConnection> {
    if (this.reopening !== undefined) return this.reopening.then(() => this.read());
    this.readerConnection ??= SqliteConnection.open(this.path, BUSY_TIMEOUT_MS);
    return this.readerConnection;
  }

  /**
   * The writer connection, after replacing every connection when it proved read-only. All of a
   * process's connections to one file share one mapping of the WAL index (the -shm file), opened
   * read-only when the folder was; only once they are all closed is it mapped writable again.
   */
  private async writable(): Promise<SqliteConnection> {
    if (!this.isWriterStale) return this.writer;
    let done = (): void => undefined;
    this.reopening = new Promise<void>((resolve) => { done = resolve; });
    const reader = this.readerConnection;
    this.readerConnection = undefined;
    try {
      await Promise.all([closeWhenIdle(this.writer), reader?.then(closeWhenIdle, () => undefined)]);
      this.writer = await openWriter(this.path);
      this.isWriterStale = false;
      return this.writer;
    } catch (error) {
      throw new StoreUnavailableError(`store: unable to reopen SQLite database ${this.path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      this.reopening = undefined;
      done();
    }
  }
}

/** Opens a connection for writing: WAL lets readers run while a writer commits; FULL syncs the WAL on every commit. */
async function openWriter(path: string): Promise<SqliteConnection> {
  const db = await SqliteConnection.open(path, BUSY_TIMEOUT_MS);
  try {
    // https://sqlite.org/pragma.html#pragma_synchronous
    await db.exec('PRAGMA journal_mode = WAL');
    await db.exec('PRAGMA synchronous = FULL');
    return db;
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Closes a connection once its running statements end (closing earlier fails with SQLITE_BUSY),
 * waiting up to 5 s; a connection that is already closed, or stays busy, is left alone.
 */
async function closeWhenIdle(db: SqliteConnection): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    try {
      await db.close();
      return;
    } catch (error) {
      if (errorCode(error) !== 'SQLITE_BUSY') return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
