import type { Driver, Session } from '../dialect.js';
import { describeError, errorCode } from '../errors.js';
import { StoreUnavailableError } from '../store.js';
import { SqliteConnection } from './connection.js';

/** How long a writer waits for another process's write lock before answering 503. */
const BUSY_TIMEOUT_MS = 15_000;

/**
 * SQLite's connections: writes go through one, reads through another, opened on first use, so a
 * reader never sees a row of a transaction that has not committed yet. The writer runs in WAL
 * with `synchronous=FULL`: a commit is on disk when it returns.
 */
export class SqliteDriver implements Driver {
  readonly reader: Session = { all: async (sql, params) => (await this.read()).all(sql, params), run: async (sql, params) => (await this.read()).run(sql, params) };
  private readerConnection: Promise<SqliteConnection> | undefined;
  /** Set when the writer proved read-only; the next transaction opens new connections. */
  private isWriterStale = false;
  /** Pending while the connections are being replaced; reads wait for it. */
  private reopening: Promise<void> | undefined;

  /** A driver over the database file `path`, whose writer {@link openWriter} opened. */
  constructor(readonly path: string, private writer: SqliteConnection) {}

  acquire(): Promise<Session> { return this.writable(); }

  /**
   * After a failure, rolls back whatever is open. SQLite opens a file it cannot write (a read-only
   * folder or mount) read-only, silently, and that connection stays read-only after the folder
   * becomes writable again; so a writer that failed with SQLITE_READONLY is replaced before the
   * next transaction, and writes resume by themselves.
   */
  async release(session: Session, failure: unknown): Promise<void> {
    if (failure === undefined) return;
    await session.run('ROLLBACK').catch(() => undefined);
    if (errorCode(failure) === 'SQLITE_READONLY') this.isWriterStale = true;
  }

  async close(): Promise<void> {
    const reader = this.readerConnection;
    this.readerConnection = undefined;
    await Promise.all([this.isWriterStale ? closeWhenIdle(this.writer) : this.writer.close(), reader?.then((c) => c.close())]);
  }

  private read(): Promise<SqliteConnection> {
    if (this.reopening !== undefined) return this.reopening.then(() => this.read());
    this.readerConnection ??= SqliteConnection.open(this.path, BUSY_TIMEOUT_MS);
    return this.readerConnection;
  }

  /**
   * The writer, after replacing every connection when it proved read-only. All of a process's
   * connections to one file share one mapping of the WAL index (the -shm file), opened read-only
   * when the folder was; only once they are all closed is it mapped writable again.
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
      throw new StoreUnavailableError(`store: unable to reopen SQLite database ${this.path}: ${describeError(error, undefined)}`, { cause: error });
    } finally {
      this.reopening = undefined;
      done();
    }
  }
}

/** Opens the writer: WAL lets readers run while it commits; FULL syncs the WAL on every commit (https://sqlite.org/pragma.html#pragma_synchronous). */
export async function openWriter(path: string): Promise<SqliteConnection> {
  const db = await SqliteConnection.open(path, BUSY_TIMEOUT_MS);
  try {
    await db.all('PRAGMA journal_mode = WAL');
    await db.run('PRAGMA synchronous = FULL');
    return db;
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/** Closes a connection once its running statements end (earlier fails with SQLITE_BUSY), waiting up to 5 s. */
async function closeWhenIdle(db: SqliteConnection): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    try {
      return await db.close();
    } catch (error) {
      if (errorCode(error) !== 'SQLITE_BUSY') return; // already closed
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
