import type { EntryRecord, FeedRecord } from './store.js';

/**
 * The storage contract of consumer groups: a named group of competing workers that shares one
 * feed. The group's progress lives in the database, so any head, any CGI process and any worker
 * sees the same state. Times are milliseconds on the database's clock, so that leases expire at
 * the same moment for every head, whatever each head's own clock says.
 *
 * Every entry of the feed after the group's start is, for the group, in one of these states:
 * - not yet claimed (its seq is above `claimedThrough`): available;
 * - leased to one worker until `dueMs`; after that it is available again, or parked when it has
 *   been delivered `maxDeliveries` times;
 * - waiting (nacked) until `dueMs`, then available;
 * - parked: delivered too often; it stays until replayed, acked or pruned by age;
 * - acked: done.
 */

/** A group as stored. */
export interface GroupRecord {
  readonly id: number;
  readonly feedId: number;
  /** The feed's case-insensitive name key, which orders the group's writes among the feed's. */
  readonly feedKey: string;
  /** The name as first created, with its original case; lookups are case-insensitive. */
  readonly name: string;
  /** RFC 3339 UTC creation time. */
  readonly created: string;
  /** How long a claim holds its entries unless the claim asks otherwise, in milliseconds. */
  readonly leaseMs: number;
  /** After this many deliveries an entry that is not acked is parked. */
  readonly maxDeliveries: number;
  /** Every entry with `seq <= claimedThrough` has been handed out at least once, or was skipped. */
  readonly claimedThrough: number;
  /** Parked entries that retention removed by age: they left the parked list. */
  readonly parkedExpired: number;
}

/** Where a new group starts: every entry with a seq above `afterSeq` is the group's to deliver. */
export interface GroupStart {
  readonly afterSeq: number;
}

/** What `PUT {feed}/groups/{group}` sets. */
export interface GroupSettings {
  readonly leaseMs: number;
  readonly maxDeliveries: number;
}

/** One entry handed out by a claim. */
export interface ClaimedEntry {
  readonly entry: EntryRecord;
  /** The lease's token; the ack and nack links carry it. */
  readonly token: string;
  /** How many times this entry has been handed out to this group, this time included. */
  readonly deliveries: number;
  /** When the lease ends, in milliseconds on the database clock. */
  readonly leaseExpiresMs: number;
}

/** One ack or nack: the entry and the token of the lease it settles. */
export interface LeaseRef {
  readonly seq: number;
  readonly token: string;
}

/** How the store settles a lease. */
export type Settlement = { readonly kind: 'ack' } | { readonly kind: 'nack'; readonly delayMs: number };

/**
 * The outcome of one ack or nack:
 * - `done`: settled now, or settled already by this same lease (acks and nacks are idempotent);
 * - `conflict`: another lease was handed out since, or the entry was acked by another lease;
 * - `unknown`: no lease with this token was ever handed out for this entry.
 */
export type SettleOutcome = 'done' | 'conflict' | 'unknown';

/** A group's figures at one instant of the database clock. */
export interface GroupCounts {
  readonly nowMs: number;
  /** Bumped by every nack and replay: a waiting claim looks again when it changes. */
  readonly version: number;
  /** The feed's last seq when the figures were taken. */
  readonly lastSeq: number;
  /** Every entry up to this seq is acked or parked (or before the group's start). */
  readonly ackedThrough: number;
  readonly leased: number;
  /** Available now: never claimed, nacked without delay, or with an expired lease. */
  readonly available: number;
  /** Nacked with a delay that has not run out yet. */
  readonly delayed: number;
  readonly parked: number;
  /** When the next lease or nack delay runs out (database clock), if any is running. */
  readonly nextDueMs: number | undefined;
}

/** A parked entry, for `GET …/parked`. */
export interface ParkedEntry {
  readonly entry: EntryRecord;
  readonly deliveries: number;
  /** When it was parked, database clock. */
  readonly parkedMs: number;
}

/** How far back one group needs a feed's log, for retention. */
export interface RetentionFloor {
  readonly group: string;
  /** The oldest seq the group still needs to deliver (available, leased or waiting). */
  readonly unfinishedFrom: number;
  /** The oldest parked seq, if any: kept for replay until the age limit. */
  readonly parkedFrom: number | undefined;
}

/** Thrown when a group that a request named was deleted meanwhile. */
export class GroupGoneError extends Error {
  constructor(name: string) {
    super(`store: group ${name} does not exist`);
    this.name = 'GroupGoneError';
  }
}

/** Consumer-group storage; every store provides one as `store.groups`. */
export interface GroupStore {
  /** Creates the group (true) or updates its settings and leaves its position alone (false). */
  putGroup(feed: FeedRecord, name: string, settings: GroupSettings, start: GroupStart): Promise<{ group: GroupRecord; isNew: boolean }>;
  /** Finds a group by name, case-insensitively. */
  findGroup(feedId: number, name: string): Promise<GroupRecord | undefined>;
  /** Lists a feed's groups by name. */
  listGroups(feedId: number): Promise<GroupRecord[]>;
  /** Deletes a group and its state; false when there was none. */
  deleteGroup(feedId: number, name: string): Promise<boolean>;
  /**
   * Leases up to `max` available entries, oldest first, in log order, for `leaseMs`. Race-free:
   * runs with the group's row locked, so two claims never hand out the same entry while a lease
   * on it runs. Throws {@link GroupGoneError} when the group no longer exists.
   */
  claim(group: GroupRecord, max: number, leaseMs: number): Promise<ClaimedEntry[]>;
  /** Acks or nacks leases, in one transaction; one outcome per lease, in order. */
  settle(group: GroupRecord, leases: readonly LeaseRef[], how: Settlement): Promise<SettleOutcome[]>;
  /** The group's figures now. */
  counts(group: GroupRecord): Promise<GroupCounts>;
  /** Parked entries with `seq > afterSeq`, oldest first. */
  readParked(group: GroupRecord, afterSeq: number, limit: number): Promise<ParkedEntry[]>;
  /** Makes every parked entry available again, with a fresh delivery count; returns how many. */
  replayParked(group: GroupRecord): Promise<number>;
  /** How far back each group of the feed needs its log. */
  retentionFloors(feedId: number): Promise<RetentionFloor[]>;
  /** Forgets the state of entries retention removed; parked ones are counted as expired. */
  forgetPruned(feed: FeedRecord, prunedThrough: number): Promise<void>;
  /**
   * Resolves when an entry may have become available to the group: an append to the feed, a
   * nack or replay (on any head), the running-out of a lease or delay at `nextDueMs`; or when
   * `signal` aborts.
   */
  waitForWork(group: GroupRecord, counts: GroupCounts, signal: AbortSignal): Promise<void>;
}
