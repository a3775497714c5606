/**
 * What the consumer-group queries need from a database, so that they are written once for all
 * three. A store hands the group store an {@link SqlHost}; the queries use `?` placeholders and
 * plain SQL that SQLite, PostgreSQL and MySQL/MariaDB all accept. The only differences are the
 * two fragments of {@link SqlFlavour}.
 */

/** A value a statement binds. */
export type SqlValue = string | number | null;

/** One connection or transaction: runs a statement with `?` placeholders and returns its rows. */
export interface SqlSession {
  query(sql: string, params?: readonly SqlValue[]): Promise<readonly unknown[]>;
}

/** The SQL that differs between the databases, and nothing else. */
export interface SqlFlavour {
  /** A SELECT of one column `now`: the database clock in milliseconds since the epoch. */
  readonly nowMs: string;
  /** Appended to a SELECT that must lock the rows it reads until COMMIT ('' on SQLite). */
  readonly forUpdate: string;
}

/** A store's connections, as the group queries use them. */
export interface SqlHost {
  readonly flavour: SqlFlavour;
  /** Runs one read outside any write transaction; sees every committed row. */
  read(sql: string, params?: readonly SqlValue[]): Promise<readonly unknown[]>;
  /**
   * Runs `work` in the store's next write transaction (group-committed with appends) and
   * resolves with its result once committed. `lockKey` orders the job among the batch's jobs,
   * as appends order theirs by feed name, so two heads lock rows in one order.
   */
  write<R>(lockKey: string, work: (db: SqlSession) => Promise<R>): Promise<R>;
  /** Resolves once the feed's last seq passes `afterSeq`, or on abort (the store's long poll). */
  waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void>;
}

/** The flavours of the three databases. */
export const FLAVOURS = {
  // julianday() counts days from noon UTC, 4714 BC; 2440587.5 of them reach the Unix epoch.
  sqlite: { nowMs: "SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) AS now", forUpdate: '' },
  // clock_timestamp(), not now(): now() is the start of the (group-committed) transaction.
  postgres: { nowMs: 'SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) AS now', forUpdate: ' FOR UPDATE' },
  mysql: { nowMs: 'SELECT CAST(UNIX_TIMESTAMP(SYSDATE(3)) * 1000 AS SIGNED) AS now', forUpdate: ' FOR UPDATE' },
} as const satisfies Record<string, SqlFlavour>;

/** Rewrites `?` placeholders as PostgreSQL's `$1, $2, …` (the group queries hold no `?` literal). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** `?, ?, ?` for a list of `count` values. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
