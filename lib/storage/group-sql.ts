import type { Session, SqlSyntax, SqlValue } from './dialect.js';

/**
 * What the consumer-group queries (group-store.ts, group-claims.ts) need from the SQL store:
 * its syntax fragments, its reader, and its group-committed writer. The queries are written once,
 * with `?` placeholders, for every dialect.
 */
export interface SqlHost {
  /** The dialect's syntax fragments (the store connects first, if it has not yet). */
  syntax(): Promise<SqlSyntax>;
  /** Runs one read outside any write transaction; sees every committed row. */
  read(sql: string, params?: readonly SqlValue[]): Promise<readonly unknown[]>;
  /**
   * Runs `work` in the store's next write transaction (group-committed with appends) and
   * resolves with its result once committed. `lockKey` orders the job among the batch's jobs,
   * as appends order theirs by feed name, so every head locks rows in one order.
   */
  write<R>(lockKey: string, work: (db: Session, syntax: SqlSyntax) => Promise<R>): Promise<R>;
  /** Resolves once the feed's last seq passes `afterSeq`, or on abort (the store's long poll). */
  waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void>;
}

/** `?, ?, ?` for a list of `count` values. */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}
