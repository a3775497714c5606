import type { Dialect } from './store.js';

/**
 * What a database supplies for the one SQL store (sql-store.ts): only what truly differs, shaped
 * like a Kysely dialect. A driver; SQL fragments (statements use `?`, which a driver may rewrite);
 * an adapter of capability flags and behaviours; how other heads' appends are noticed. Shared code
 * reads a flag or splices a fragment; it never asks which database it is talking to.
 */

/** A value a statement binds. */
export type SqlValue = string | number | null | Uint8Array;

/** A connection (or pool) that runs statements written with `?` placeholders. */
export interface Session {
  /** Runs a statement that returns rows: a SELECT, or a write with RETURNING. */
  all(sql: string, params?: readonly SqlValue[]): Promise<readonly unknown[]>;
  /** Runs a statement that returns no rows; resolves with how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** Connections: the reader (a pool, or SQLite's second connection), and one at a time for writes. */
export interface Driver {
  readonly reader: Session;
  /** Takes the connection for one write transaction (or one migration run). */
  acquire(): Promise<Session>;
  /** Gives it back; after a `failure` that may have lost the connection, discards or resets it. */
  release(session: Session, failure: unknown): Promise<void>;
  close(): Promise<void>;
}

/** SQL fragments that differ. Each is spliced into a query written once, never chosen by `if`. */
export interface SqlSyntax {
  readonly beginWrite: string;
  /** Ends a SELECT that locks its rows until COMMIT; '' where the transaction holds the database's write lock. */
  readonly forUpdate: string;
  /** Ends a SELECT in a write transaction that must read the newest committed rows. */
  readonly forShare: string;
  /** Starts the update arm of an upsert on the unique column `key`. */
  onConflictUpdate(key: string): string;
  /** The value an upsert tried to insert into `column`, in its update arm. */
  inserted(column: string): string;
  /** A SELECT of one column `now`: the database clock in ms since the epoch (consumer-group leases). */
  readonly nowMs: string;
  /** Rows per multi-row INSERT (8 parameters each), under the bound-parameter limit. */
  readonly rowsPerInsert: number;
  readonly types: DdlTypes;
}

/**
 * The type names and table options DDL differs by (see migrations.ts): `id` is an auto-increment
 * primary key; `text(n)` holds at most n characters (MySQL indexes VARCHAR, not TEXT);
 * `keyedTable` ends a CREATE TABLE keyed by a composite primary key, `table` any other.
 */
export interface DdlTypes {
  readonly id: string;
  readonly bigint: string;
  readonly integer: string;
  text(chars: number): string;
  readonly longText: string;
  readonly bytes: string;
  readonly keyedTable: string;
  readonly table: string;
}

/** Capabilities, and the behaviours that differ. `where` names the database, never with a password. */
export interface Adapter {
  readonly name: Dialect;
  readonly where: string;
  /** UPDATE … RETURNING exists; otherwise the row is read back with a locking read. */
  readonly supportsReturning: boolean;
  /** DDL is transactional: a migration run and its version rows commit together. */
  readonly supportsTransactionalDdl: boolean;
  /** Makes heads that start at once take turns migrating (inside the transaction, if any). */
  acquireMigrationLock(session: Session): Promise<void>;
  releaseMigrationLock(session: Session): Promise<void>;
  /** The database cannot take this work now (503), or the connection is lost. */
  isUnavailable(error: unknown): boolean;
  /** The server rolled the whole transaction back (a deadlock); it may run again. */
  isTransient(error: unknown): boolean;
  /** The error's message, any password scrubbed. */
  describe(error: unknown): string;
}

/**
 * How other heads' appends are noticed: a poll every `pollMs` while someone waits, gated by a
 * cheap check (SQLite's data_version, PostgreSQL's LISTEN state), and what a commit announces.
 */
export interface AppendSignals {
  readonly pollMs: number;
  /** A consumer starts waiting: a database that pushes appends starts listening. */
  wake(): void;
  /** False when nothing can have been committed elsewhere since the last call. */
  mayHaveChanged(): Promise<boolean>;
  /** Called in a write transaction, before COMMIT, with the feeds it grew (feed id → last seq). */
  announce(session: Session, grown: ReadonlyMap<number, number>): Promise<void>;
  close(): Promise<void>;
}

/** A database, as the SQL store needs it. `watch` hands other heads' appends to `onAppend`. */
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

/**
 * Standard SQL as PostgreSQL speaks it: the default each dialect overrides only where it differs,
 * as Kysely's default query compiler is PostgreSQL's. READ COMMITTED: each statement sees every
 * commit made before it, so a check after locking the feed row sees the previous holder's work.
 */
export const STANDARD_SYNTAX: SqlSyntax = {
  beginWrite: 'START TRANSACTION ISOLATION LEVEL READ COMMITTED',
  forUpdate: 'FOR UPDATE',
  forShare: '',
  onConflictUpdate: (key) => `ON CONFLICT (${key}) DO UPDATE SET`,
  inserted: (column) => `EXCLUDED.${column}`,
  // clock_timestamp(), not now(): now() is the start of the (group-committed) transaction.
  nowMs: 'SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) AS now',
  rowsPerInsert: 1000,
  types: { id: 'BIGSERIAL PRIMARY KEY', bigint: 'BIGINT', integer: 'INTEGER', text: () => 'TEXT', longText: 'TEXT', bytes: 'BYTEA', keyedTable: '', table: '' },
};

/** The standard capabilities: RETURNING, transactional DDL, no lock beyond the transaction's, no retry. */
export const STANDARD_ADAPTER = {
  supportsReturning: true, supportsTransactionalDdl: true, isTransient: (): boolean => false,
  acquireMigrationLock: async (): Promise<void> => undefined, releaseMigrationLock: async (): Promise<void> => undefined,
} as const;

/** Signals for a database that cannot push: waiters look at `last_seq` every `pollMs`. */
export function pollingSignals(pollMs: number): AppendSignals {
  return { pollMs, wake: () => undefined, mayHaveChanged: async () => true, announce: async () => undefined, close: async () => undefined };
}
