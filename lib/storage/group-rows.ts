import type { GroupRecord } from './groups.js';
import type { SqlSyntax } from './dialect.js';
import { ENTRY_COLUMNS, integerField, textField } from './rows.js';

/** The columns of `atommq_group` a locking read selects. */
export const GROUP_COLUMNS = 'id, feed_id, name, created, lease_ms, max_deliveries, claimed_through, parked_expired';

/** Selects groups with their feed's name key (alias `g`; add a WHERE). */
export const SELECT_GROUPS = `SELECT ${GROUP_COLUMNS.split(', ').map((c) => `g.${c}`).join(', ')}, f.name_key AS feed_key
  FROM atommq_group AS g JOIN atommq_feed AS f ON f.id = g.feed_id`;

/** The entry columns, qualified by the alias `e`, for joins with the group tables. */
export const JOINED_ENTRY_COLUMNS = ENTRY_COLUMNS.split(', ').map((column) => `e.${column}`).join(', ');

/**
 * SQL condition on a row aliased `x`: parked. Its one parameter is the database time now (ms);
 * `max` is the group's maximum deliveries (a parameter by default). A lease that ran out after
 * its last allowed delivery is parked.
 */
export function isParked(max = '?'): string {
  return `(x.state = 'parked' OR (x.state = 'leased' AND x.due_ms <= ? AND x.deliveries >= ${max}))`;
}

/** Still to be delivered or settled: leased, waiting, or a lease that ran out with deliveries left. */
export function isUnfinished(max = '?'): string {
  return `(x.state = 'waiting' OR (x.state = 'leased' AND (x.due_ms > ? OR x.deliveries < ${max})))`;
}

/** Converts an `atommq_group` row; `feedKeyText` when the row has no `feed_key` column. */
export function toGroupRecord(row: unknown, feedKeyText?: string): GroupRecord {
  return {
    feedKey: feedKeyText ?? textField(row, 'feed_key'),
    id: integerField(row, 'id'),
    feedId: integerField(row, 'feed_id'),
    name: textField(row, 'name'),
    created: textField(row, 'created'),
    leaseMs: integerField(row, 'lease_ms'),
    maxDeliveries: integerField(row, 'max_deliveries'),
    claimedThrough: integerField(row, 'claimed_through'),
    parkedExpired: integerField(row, 'parked_expired'),
  };
}

/** The case-insensitive lookup key of a group name (the feed-name rules). */
export function groupKey(name: string): string {
  return name.toLowerCase();
}

/**
 * The write-order key of a group's jobs. Writers run a batch's jobs in key order, and appends use
 * the feed's name key, so a group's jobs come right after its feed's and before any other feed's
 * (NUL sorts first): every head takes row locks in one order, and no two batches deadlock.
 */
export function groupLockKey(group: GroupRecord): string {
  return `${group.feedKey}\u0000${groupKey(group.name)}`;
}

/** Reads the database clock, in milliseconds since the epoch. */
export async function databaseNow(all: (sql: string) => Promise<readonly unknown[]>, syntax: SqlSyntax): Promise<number> {
  const [row] = await all(syntax.nowMs);
  return integerField(row, 'now');
}
