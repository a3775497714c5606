import type { Dialect } from './store.js';

/**
 * What a database must supply for the one SQL store (sql-store.ts) to run on it: the few things
 * that truly differ. Shaped like a Kysely dialect: a driver (connections and transactions), the
 * SQL text that differs (placeholders are `?` everywhere; a driver that wants `$1` rewrites
 * them), and an adapter of capability flags and behaviours. Shared code reads a flag or splices
 * a fragment; it never asks which database it is talking to.
 */

/** A value a statement binds. */
export type SqlValue = string | number | null | Uint8Array;

/** A connection (or pool) that runs statements written with `?` placeholders. */
export interface Session {
  /** Runs a statement that returns rows: a SELECT, or a write with RETURNING. */
  query(sql: string, params?: readonly SqlValue[]): Promise<readonly unknown[]>;
  /** Runs a statement that returns no rows; resolves with how many rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** Connections: one for reads outside transactions, one at a time for write transactions. */
export interface Driver {
  /** Where reads go: a pool, or SQLite's separate reader connection. */
  readonly reader: Session;
  /** Takes the connection for one write transaction (or one migration run). */
  acquire(): Promise<Session>;
  /** Gives it back; with a `failure` that may have lost the connection, the driver discards or resets it. */
  release(session: Session, failure: unknown): Promise<void>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** SQL fragments that differ. Each is spliced into a query written once, never chosen by `if`. */
export interface SqlSyntax {
  /** Starts a write transaction: SQLite takes its write lock at once, servers READ COMMITTED. */
  readonly beginWrite: string;
  /** Ends a SELECT that locks the rows it reads until COMMIT; '' when the transaction holds the database's write lock. */
  readonly forUpdate: string;
  /** Ends a SELECT in a write transaction that must read the newest committed rows. */
  readonly forShare: string;
  /** Starts the update arm of an upsert on the unique column `key`. */
  onConflictUpdate(key: string): string;
  /** The value an upsert tried to insert into `column`, usable in its update arm. */
  inserted(column: string): string;
  /** A query that returns a row when the table `name` exists. */
  tableExists(name: string): string;
  /** Rows per multi-row INSERT, under the database's bound-parameter limit. */
  readonly rowsPerInsert: number;
  /** Column types and table options for DDL (see migrations.ts). */
  readonly types: DdlTypes;
}

/** The type names DDL differs by. */
export interface DdlTypes {
  /** An auto-incremented 64-bit primary key, with its PRIMARY KEY clause. */
  readonly id: string;
  readonly bigint: string;
  readonly integer: string;
  /** Text of at most `chars` characters (servers index VARCHAR, not TEXT). */
  text(chars: number): string;
  /** Text of any length: an entry's XML. */
  readonly longText: string;
  readonly bytes: string;
  /** Ends CREATE TABLE for a table with a rowid-free composite key, or any table. */
  readonly keyedTable: string;
  readonly table: string;
}

/** Capabilities and the behaviours that differ. */
export interface Adapter {
  readonly name: Dialect;
  /** Names the database in messages, never with a password. */
  readonly where: string;
  /** UPDATE … RETURNING exists; otherwise the row is read back after the write. */
  readonly supportsReturning: boolean;
  /** DDL is transactional: a migration run and its version rows commit together. */
  readonly supportsTransactionalDdl: boolean;
  /** Makes heads that start at once take turns migrating (inside the transaction, if any). */
  acquireMigrationLock(session: Session): Promise<void>;
  releaseMigrationLock(session: Session): Promise<void>;
  /** The database cannot take this work now (503), or the connection is lost. */
  isUnavailable(error: unknown): boolean;
  /** The server rolled the whole transaction back (deadlock); it may run again. */
  isTransient(error: unknown): boolean;
  /** The error's message, with any password scrubbed. */
  describe(error: unknown): string;
}

/**
 * How other heads' appends are noticed: a poll that runs only while someone waits, gated by a
 * cheap check (SQLite's data_version; PostgreSQL's LISTEN state), plus whatever a commit
 * announces (PostgreSQL's NOTIFY).
 */
export interface AppendSignals {
  /** How often waiters look for other heads' appends. */
  readonly pollMs: number;
  /** A consumer starts waiting: a database that pushes appends starts listening. */
  wake(): void;
  /** False when nothing can have been committed elsewhere since the last call. */
  mayHaveChanged(): Promise<boolean>;
  /** Called inside a write transaction before COMMIT with the feeds it grew. */
  announce(session: Session, grown: ReadonlyMap<number, number>): Promise<void>;
  close(): Promise<void>;
}

/** A database, as the SQL store needs it. */
export interface SqlDialect {
  readonly driver: Driver;
  readonly syntax: SqlSyntax;
  readonly adapter: Adapter;
  /**
   * Starts watching for other heads' appends; they are handed to `onAppend`. A database that can
   * only tell that something may have been committed (SQLite's WAL file changed) calls `onMaybe`,
   * and the store looks at once.
   */
  watch(onAppend: (feedId: number, lastSeq: number) => void, onMaybe: () => void): AppendSignals;
}
