/**
 * The storage contract. The core reaches the database only through {@link Store}; each database
 * (SQLite, PostgreSQL, MySQL/MariaDB) implements it in its own folder with identical behaviour.
 *
 * The log model: every feed is an append-only log of rows numbered 1, 2, 3… (`seq`), gapless and
 * in commit order. A published entry, a revision of it (PUT) and its tombstone (DELETE) are all
 * rows of that log. A member's `key` is the `seq` of its first row.
 */

/** What kind of record a log row holds. */
export type EntryKind = 'entry' | 'tombstone';

/** A feed as stored. */
export interface FeedRecord {
  /** Internal row id; never shown to clients. */
  readonly id: number;
  /** The name as first published to, with its original case. Lookups are case-insensitive. */
  readonly name: string;
  /** The feed's stable `atom:id`, a `urn:uuid:` URI. */
  readonly atomId: string;
  /** RFC 3339 UTC creation time. */
  readonly created: string;
  /** RFC 3339 UTC time of the newest row, or the creation time. */
  readonly updated: string;
  /** The highest `seq` committed so far; 0 for an empty feed. */
  readonly lastSeq: number;
}

/** One row of a feed's log. */
export interface EntryRecord {
  /** Position in the feed's log: 1, 2, 3…, gapless, in commit order. */
  readonly seq: number;
  /** The `seq` of this member's first row: the `{key}` of its member URI. */
  readonly member: number;
  /** The entry's `atom:id` (a `urn:uuid:`), kept by every revision and its tombstone. */
  readonly atomId: string;
  readonly kind: EntryKind;
  /** RFC 3339 UTC time this row was written. */
  readonly updated: string;
  /** The entry's stored form, produced and read only by the xml layer; opaque here. */
  readonly xml: string;
}

/** A row to append. The store assigns `seq` (and `member`, for a new member). */
export interface NewEntry {
  readonly atomId: string;
  readonly kind: EntryKind;
  readonly updated: string;
  readonly xml: string;
}

/** One transaction's worth of appends to one feed. */
export interface AppendRequest {
  /** The feed's name; matched case-insensitively, and created when missing. */
  readonly feed: string;
  /** Rows to append, in order; they receive consecutive sequence numbers. */
  readonly entries: readonly NewEntry[];
}

/** What an append committed. */
export interface AppendResult {
  readonly feed: FeedRecord;
  readonly entries: readonly EntryRecord[];
}

/**
 * A database behind AtomMQ. Every method is safe to call concurrently; `append` is durable when
 * its promise resolves.
 */
export interface Store {
  /** Which database this is, for logs and tests. */
  readonly dialect: Dialect;
  /** Finds a feed by name, case-insensitively. */
  findFeed(name: string): Promise<FeedRecord | undefined>;
  /** Returns the feed, creating it first when it does not exist (safe under races). */
  ensureFeed(name: string): Promise<FeedRecord>;
  /** Lists every feed, by name. */
  listFeeds(): Promise<FeedRecord[]>;
  /** Appends rows in one durable transaction, creating the feed when it is missing. */
  append(request: AppendRequest): Promise<AppendResult>;
  /** Reads up to `limit` rows with `seq > afterSeq`, oldest first, using the primary key. */
  readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]>;
  /** Finds the row that holds `atomId` at its first position. */
  findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined>;
  /** Finds the newest row of the member whose key is `member`. */
  findMember(feedId: number, member: number): Promise<EntryRecord | undefined>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** The databases AtomMQ can store in. */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';

/**
 * The database cannot take writes now (read-only file, full disk, lost server). The core answers
 * 503; the client may retry.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
