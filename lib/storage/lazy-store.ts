import type { Credentials, StoreConfig } from './dsn.js';
import { parseDsn, redact } from './dsn.js';
import { openStoreConfig } from './open.js';
import type { AppendRequest, AppendResult, Dialect, EntryRecord, FeedRecord, FeedSettings, MediaRecord, PruneRule, Store } from './store.js';
import { StoreUnavailableError } from './store.js';

/**
 * A store that connects on first use, and tries again on the next request when the database was
 * unreachable. The DSN is checked at construction, so a malformed one fails at start-up, while a
 * database that is down only turns requests into 503s until it is back.
 */
export class LazyStore implements Store {
  readonly dialect: Dialect;
  private readonly config: StoreConfig;
  private opening: Promise<Store> | undefined;

  constructor(private readonly dsn: string, credentials: Credentials = {}) {
    this.config = parseDsn(dsn, credentials);
    this.dialect = this.config.dialect;
  }

  /** The underlying store, opened (and migrated) on first call. */
  open(): Promise<Store> {
    this.opening ??= openStoreConfig(this.config).catch((error: unknown) => {
      this.opening = undefined;
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError(`store: unable to open ${redact(this.dsn)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    return this.opening;
  }

  async findFeed(name: string): Promise<FeedRecord | undefined> {
    return (await this.open()).findFeed(name);
  }

  async ensureFeed(name: string): Promise<FeedRecord> {
    return (await this.open()).ensureFeed(name);
  }

  async listFeeds(): Promise<FeedRecord[]> {
    return (await this.open()).listFeeds();
  }

  async countEntries(feedId: number): Promise<number> {
    return (await this.open()).countEntries(feedId);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    return (await this.open()).append(request);
  }

  async readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]> {
    return (await this.open()).readAfter(feedId, afterSeq, limit);
  }

  async findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined> {
    return (await this.open()).findByAtomId(feedId, atomId);
  }

  async findMember(feedId: number, member: number): Promise<EntryRecord | undefined> {
    return (await this.open()).findMember(feedId, member);
  }

  async readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]> {
    return (await this.open()).readMembers(feedId, beforeSeq, limit);
  }

  async readMedia(feedId: number, member: number): Promise<MediaRecord | undefined> {
    return (await this.open()).readMedia(feedId, member);
  }

  async lastSeq(feedId: number): Promise<number> {
    return (await this.open()).lastSeq(feedId);
  }

  async waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void> {
    return (await this.open()).waitForAppend(feedId, afterSeq, signal);
  }

  async updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
    return (await this.open()).updateSettings(name, settings);
  }

  async deleteFeed(name: string): Promise<boolean> {
    return (await this.open()).deleteFeed(name);
  }

  async prune(feedId: number, rule: PruneRule): Promise<number> {
    return (await this.open()).prune(feedId, rule);
  }

  async expireIdempotencyKeys(olderThan: string): Promise<number> {
    return (await this.open()).expireIdempotencyKeys(olderThan);
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening !== undefined) await (await opening.catch(() => undefined))?.close();
  }
}
