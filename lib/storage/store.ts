/**
 * The storage contract. The core reaches the database only through {@link Store}, which one SQL
 * store (sql-store.ts) implements for every database, over a small dialect per database.
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
  /** Every row with `seq <= prunedThrough` has been removed by retention; 0 when none was. */
  readonly prunedThrough: number;
  readonly settings: FeedSettings;
}

/** Per-feed settings; undefined means "the server's default" (no limit, for retention). */
export interface FeedSettings {
  /** Retention: rows older than this many seconds are pruned. */
  readonly maxAgeSeconds: number | undefined;
  /** Retention: at most this many of the newest rows are kept. */
  readonly maxCount: number | undefined;
  /** Entries per page for this feed. */
  readonly pageSize: number | undefined;
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
  /** For a media link entry: the media type of its media resource. */
  readonly mediaType: string | undefined;
}

/** A row to append. The store assigns `seq` (and `member`, for a new member). */
export interface NewEntry {
  readonly atomId: string;
  readonly kind: EntryKind;
  readonly updated: string;
  readonly xml: string;
  readonly mediaType: string | undefined;
}

/** The bytes of a media resource (RFC 5023 §9.6) and their type. */
export interface MediaRecord {
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** One transaction's worth of appends to one feed. */
export interface AppendRequest {
  /** The feed's name; matched case-insensitively, and created when missing. */
  readonly feed: string;
  /** Rows to append, in order; they receive consecutive sequence numbers. */
  readonly entries: readonly NewEntry[];
  /**
   * A revision (PUT) or tombstone (DELETE) of an existing member: the rows join that member.
   * Checked inside the transaction: the member must exist ('no-member'), must not be deleted
   * ('gone'), and, when `ifSeq` is set, its newest row must be at that position ('stale').
   */
  readonly member?: { readonly key: number; readonly ifSeq: number | undefined } | undefined;
  /** The media resource of the one new member this request creates. */
  readonly media?: MediaRecord | undefined;
  /**
   * Publish at most once per key and feed. A key seen since `notBefore` with the same
   * fingerprint replays the original rows instead of appending; with another fingerprint the
   * append is rejected ('key-reused'). Older keys have expired and are replaced.
   */
  readonly idempotency?: { readonly key: string; readonly fingerprint: string; readonly notBefore: string } | undefined;
}

/** What an append committed. */
export interface AppendResult {
  readonly feed: FeedRecord;
  readonly entries: readonly EntryRecord[];
  /** True when an idempotency key matched and the original rows were returned instead. */
  readonly replayed: boolean;
}

/** Why an append was refused; the core maps each to its status (404, 410, 412, 422). */
export type AppendRejection = 'no-member' | 'gone' | 'stale' | 'key-reused';

/** An append the store refused, inside its transaction, for a reason the client caused. */
export class AppendRejectedError extends Error {
  constructor(readonly reason: AppendRejection) {
    super(`store: append refused: ${reason}`);
    this.name = 'AppendRejectedError';
  }
}

/** What retention removes: rows older than `olderThan`, and all but the newest `keepLast`. */
export interface PruneRule {
  readonly olderThan: string | undefined;
  readonly keepLast: number | undefined;
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
  /** Counts a feed's live entries: the newest row of each member, deleted members left out. */
  countEntries(feedId: number): Promise<number>;
  /** Appends rows in one durable transaction, creating the feed when it is missing. */
  append(request: AppendRequest): Promise<AppendResult>;
  /** Reads up to `limit` rows with `seq > afterSeq`, oldest first, using the primary key. */
  readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]>;
  /** Finds the row that holds `atomId` at its first position. */
  findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined>;
  /** Finds the newest row of the member whose key is `member`. */
  findMember(feedId: number, member: number): Promise<EntryRecord | undefined>;
  /**
   * The AtomPub view: the newest row of each live member with `seq < beforeSeq`, newest first,
   * deleted members left out.
   */
  readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]>;
  /** The media resource of a member, if it has one. */
  readMedia(feedId: number, member: number): Promise<MediaRecord | undefined>;
  /** The feed's highest committed `seq`: the cheap change check long polling uses. */
  lastSeq(feedId: number): Promise<number>;
  /**
   * Resolves once a row with `seq > afterSeq` is committed to the feed, by this process or any
   * other, or when `signal` aborts. Releases everything it holds on abort.
   */
  waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void>;
  /** Changes a feed's settings, creating the feed when it does not exist. */
  updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord>;
  /** Deletes a feed with all its rows, media and keys; false when there was none. */
  deleteFeed(name: string): Promise<boolean>;
  /**
   * Retention: removes the oldest rows of a feed, never a row newer than one it keeps, and
   * records the cut in `prunedThrough`. Returns how many rows it removed.
   */
  prune(feedId: number, rule: PruneRule): Promise<number>;
  /** Forgets idempotency keys created before `olderThan`; returns how many. */
  expireIdempotencyKeys(olderThan: string): Promise<number>;
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
