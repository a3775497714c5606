/**
 * The storage contract: the core reaches the database only through {@link Store} (sql-store.ts,
 * over a small dialect per database). Every feed is an append-only log of rows numbered 1, 2, 3…
 * (`seq`), gapless and in commit order. A published entry, a revision of it (PUT) and its
 * tombstone (DELETE) are all rows of that log. A member's `key` is the `seq` of its first row.
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
  /** For a media link entry: the `seq` of the row that brought its current bytes (their own URI). */
  readonly mediaSeq: number | undefined;
}

/**
 * A row to append. The store assigns `seq` (and `member`, for a new member). `mediaSeq` names the
 * bytes a media link entry's revision keeps; it is ignored when the append carries `media`, whose
 * bytes the row brings itself, at its own `seq`.
 */
export type NewEntry = Omit<EntryRecord, 'seq' | 'member'>;

/** The bytes of a media resource (RFC 5023 §9.6) and their type. */
export interface MediaRecord {
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** A stored revision of a media resource: its bytes, and the member they belong to. */
export interface StoredMedia extends MediaRecord {
  readonly member: number;
}

/** One transaction's worth of appends to one feed. */
export interface AppendRequest {
  /** The feed's name; matched case-insensitively, and created when missing. */
  readonly feed: string;
  /** Rows to append, in order; they receive consecutive sequence numbers. */
  readonly entries: readonly NewEntry[];
  /**
   * A revision (PUT) or tombstone (DELETE): the rows join that member, which must exist
   * ('no-member'), not be deleted ('gone') and, with `ifSeq`, have its newest row there ('stale').
   */
  readonly member?: { readonly key: number; readonly ifSeq: number | undefined } | undefined;
  /**
   * Media bytes brought by the one row this request appends: a new member's, or (with `member`)
   * a new revision of a member's media resource (edit-media PUT). Stored under that row's seq.
   */
  readonly media?: MediaRecord | undefined;
  /**
   * Publish at most once per key and feed: a key seen since `notBefore` replays the original rows
   * (same fingerprint) or is refused ('key-reused'); older keys have expired and are replaced.
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

/** A database behind AtomMQ. Every method is safe to call concurrently; `append` is durable when it resolves. */
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
  /** The AtomPub view: the newest row of each live member with `seq < beforeSeq`, newest first. */
  readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]>;
  /** The media bytes the row at `seq` brought, if it brought any. */
  readMedia(feedId: number, seq: number): Promise<StoredMedia | undefined>;
  /** The feed's highest committed `seq`: the cheap change check long polling uses. */
  lastSeq(feedId: number): Promise<number>;
  /** Resolves once a row past `afterSeq` is committed by any process, or `signal` aborts (releasing all). */
  waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void>;
  /** Changes a feed's settings, creating the feed when it does not exist. */
  updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord>;
  /** Deletes a feed with all its rows, media and keys; false when there was none. */
  deleteFeed(name: string): Promise<boolean>;
  /** Retention: removes the oldest rows, never one newer than a kept one; records `prunedThrough`; returns the count. */
  prune(feedId: number, rule: PruneRule): Promise<number>;
  /** Forgets idempotency keys created before `olderThan`; returns how many. */
  expireIdempotencyKeys(olderThan: string): Promise<number>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** The databases AtomMQ can store in. */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';

/** The database cannot take writes now (read-only file, full disk, lost server): 503, the client may retry. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
