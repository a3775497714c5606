import type { GroupStore } from '../../storage/groups.js';
import type { AppendRequest, AppendResult, Dialect, EntryRecord, FeedRecord, FeedSettings, PruneRule, Store, StoredMedia } from '../../storage/store.js';
import type { FeedTail, TailWaiter } from './feed-tail.js';
import { CATCH_UP_ROWS, TAIL_DEFAULTS, type TailOptions } from './tail-options.js';
import { TailWindows } from './tail-windows.js';

/**
 * A {@link Store} that shares one process's reads of each feed's tail among all its consumers.
 * It sits above every database, so SQLite, PostgreSQL and MySQL get it alike.
 *
 * - **Shared wake-ups.** However many consumers wait on a feed, the process keeps one wait on the
 *   store. When it fires, one read fetches the new rows and every waiter is answered from them.
 *   Own appends need no read at all: the committed rows are in the append's result.
 * - **A tail window.** The newest rows of each feed stay in memory (bounded by {@link TailOptions});
 *   a cursor read inside the window queries no rows.
 * - **The feed row** is reused while the feed is watched (its counter is then kept current by the
 *   watch) for at most `recordTtlMs`, so settings and retention cuts made elsewhere show up.
 *
 * Never skipping an entry rests on two rules: the window only holds rows without a gap, and the
 * newest seq it trusts is one that some read or commit proved. `lastSeq` always asks the store,
 * so a cursor beyond what this process knows is refreshed, never refused.
 */
export class TailStore implements Store {
  readonly dialect: Dialect;
  /** Consumer groups go straight to the store: claims are writes, and their rows are the group's own. */
  readonly groups: GroupStore;
  private readonly options: TailOptions;
  private readonly windows: TailWindows;
  private readonly rowReads = new Map<string, Promise<EntryRecord[]>>();
  private readonly recordReads = new Map<string, Promise<FeedRecord | undefined>>();
  private isClosed = false;

  constructor(private readonly inner: Store, options: Partial<TailOptions> = {}, private readonly clock: () => number = Date.now) {
    this.dialect = inner.dialect;
    this.groups = inner.groups;
    this.options = { ...TAIL_DEFAULTS, ...options };
    this.windows = new TailWindows(this.options, clock);
  }

  /** What the cache holds now: feeds, rows, their weight, waiters and active watches. */
  stats(): { feeds: number; rows: number; bytes: number; waiters: number; watches: number } {
    return this.windows.stats();
  }

  async findFeed(name: string): Promise<FeedRecord | undefined> {
    const cached = this.watchedRecord(name);
    if (cached !== undefined) return cached;
    const record = await this.shared(this.recordReads, name.toLowerCase(), () => this.inner.findFeed(name));
    if (record !== undefined) this.noteRecord(record);
    return record;
  }

  async ensureFeed(name: string): Promise<FeedRecord> {
    const cached = this.watchedRecord(name);
    if (cached !== undefined) return cached;
    const record = await this.inner.ensureFeed(name);
    this.noteRecord(record);
    return record;
  }

  listFeeds(): Promise<FeedRecord[]> {
    return this.inner.listFeeds();
  }

  countEntries(feedId: number): Promise<number> {
    return this.inner.countEntries(feedId);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const result = await this.inner.append(request);
    const tail = this.windows.tailOf(result.feed.id);
    // The committed rows are known: the window grows without a read, and waiters wake now.
    const first = result.entries[0]?.seq;
    if (!result.replayed && first !== undefined) this.windows.addRows(tail, first - 1, result.entries);
    tail.observeRecord(result.feed, this.clock());
    this.windows.name(result.feed.name, result.feed.id);
    // Woken in the next turn of the event loop: the publisher's 201 is written first, and the
    // waiters' pages (a thousand of them, maybe) are rendered after it, not in front of it.
    if (tail.waiters.size > 0) setTimeout(() => tail.wakeBehind(), 0);
    return result;
  }

  async readAfter(feedId: number, afterSeq: number, limit: number): Promise<EntryRecord[]> {
    const tail = this.windows.tailOf(feedId);
    const hit = tail.slice(afterSeq, limit);
    if (hit !== undefined) return hit;
    // Only the rows the window lacks are read, once for every caller asking at the same time.
    const head = afterSeq >= tail.first - 1 && afterSeq < tail.last ? tail.rows.slice(afterSeq + 1 - tail.first) : [];
    const from = head.at(-1)?.seq ?? afterSeq;
    const want = limit - head.length;
    const rows = await this.shared(this.rowReads, `${feedId}:${from}:${want}`, () => this.inner.readAfter(feedId, from, want));
    this.windows.addRows(tail, from, rows);
    return head.length === 0 ? rows : [...head, ...rows];
  }

  findByAtomId(feedId: number, atomId: string): Promise<EntryRecord | undefined> {
    return this.inner.findByAtomId(feedId, atomId);
  }

  findMember(feedId: number, member: number): Promise<EntryRecord | undefined> {
    return this.inner.findMember(feedId, member);
  }

  readMembers(feedId: number, beforeSeq: number, limit: number): Promise<EntryRecord[]> {
    return this.inner.readMembers(feedId, beforeSeq, limit);
  }

  readMedia(feedId: number, seq: number): Promise<StoredMedia | undefined> {
    return this.inner.readMedia(feedId, seq);
  }

  /** Always asks the store: this is the "refresh, then decide" of a cursor this process has not seen. */
  async lastSeq(feedId: number): Promise<number> {
    const seq = await this.inner.lastSeq(feedId);
    const tail = this.windows.tailOf(feedId);
    if (tail.observe(seq)) tail.wakeBehind();
    return seq;
  }

  async waitForAppend(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void> {
    if (this.isClosed || signal.aborted) return;
    const tail = this.windows.tailOf(feedId);
    if (tail.lastSeq > afterSeq) return;
    await new Promise<void>((resolve) => {
      const waiter: TailWaiter = { afterSeq, wake: () => done() };
      const done = (): void => {
        if (!tail.waiters.delete(waiter)) return;
        signal.removeEventListener('abort', done);
        if (tail.waiters.size === 0) this.linger(tail);
        resolve();
      };
      tail.waiters.add(waiter);
      signal.addEventListener('abort', done, { once: true });
      this.startWatch(tail);
    });
  }

  async updateSettings(name: string, settings: Partial<FeedSettings>): Promise<FeedRecord> {
    const record = await this.inner.updateSettings(name, settings);
    this.noteRecord(record);
    return record;
  }

  async deleteFeed(name: string): Promise<boolean> {
    const tail = this.windows.findByName(name);
    const deleted = await this.inner.deleteFeed(name);
    if (tail !== undefined) this.windows.forget(tail.feedId);
    return deleted;
  }

  async prune(feedId: number, rule: PruneRule): Promise<number> {
    const removed = await this.inner.prune(feedId, rule);
    const tail = this.windows.find(feedId);
    if (removed > 0 && tail !== undefined) {
      // The retention cut moved: forget the rows and the feed row, so neither outlives it.
      this.windows.clearRows(tail);
      tail.record = undefined;
    }
    return removed;
  }

  expireIdempotencyKeys(olderThan: string): Promise<number> {
    return this.inner.expireIdempotencyKeys(olderThan);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.windows.forgetAll();
    await this.inner.close();
  }

  /** The feed row from memory, when the feed is watched and the row was read recently. */
  private watchedRecord(name: string): FeedRecord | undefined {
    const tail = this.windows.findByName(name);
    if (tail?.watch === undefined || this.clock() - tail.recordAt > this.options.recordTtlMs) return undefined;
    tail.usedAt = this.clock();
    return tail.freshRecord();
  }

  private noteRecord(record: FeedRecord): void {
    this.windows.name(record.name, record.id);
    const tail = this.windows.tailOf(record.id);
    tail.observeRecord(record, this.clock());
    tail.wakeBehind();
  }

  /**
   * Keeps one wait on the store for this feed while anyone here waits (and a little after).
   * Each time it fires, one read brings the new rows into the window and wakes the waiters.
   */
  private startWatch(tail: FeedTail): void {
    if (tail.lingerTimer !== undefined) clearTimeout(tail.lingerTimer);
    tail.lingerTimer = undefined;
    if (tail.watch !== undefined) return;
    const watch = new AbortController();
    tail.watch = watch;
    void (async () => {
      while (!watch.signal.aborted && !this.isClosed) {
        const known = tail.lastSeq;
        await this.inner.waitForAppend(tail.feedId, known, watch.signal);
        if (watch.signal.aborted || this.isClosed) break;
        // An own append wakes the store's watcher too; its result (rows included) is handled
        // by `append` in the same turn, so let that run first and spare a read.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (tail.lastSeq === known) await this.catchUp(tail, known);
        // A wake-up that found nothing new (a store closing, a retention cut) still answers the
        // waiters: they read again, as they would without this cache.
        if (tail.lastSeq === known) {
          for (const waiter of [...tail.waiters]) waiter.wake();
          break;
        }
        tail.wakeBehind();
      }
    })().catch(() => {
      // A failed read ends the watch; the waiters are answered and read for themselves.
      for (const waiter of [...tail.waiters]) waiter.wake();
    }).finally(() => {
      if (tail.watch === watch) tail.watch = undefined;
      if (tail.waiters.size > 0 && !this.isClosed && !watch.signal.aborted) this.startWatch(tail);
    });
  }

  /** One read of the rows after `known`; when retention removed them all, the counter instead. */
  private async catchUp(tail: FeedTail, known: number): Promise<void> {
    const want = Math.min(this.options.maxRowsPerFeed, CATCH_UP_ROWS);
    const rows = await this.shared(this.rowReads, `${tail.feedId}:${known}:${want}`, () => this.inner.readAfter(tail.feedId, known, want));
    this.windows.addRows(tail, known, rows);
    if (rows.length === 0) tail.observe(await this.inner.lastSeq(tail.feedId));
  }

  private linger(tail: FeedTail): void {
    if (tail.lingerTimer !== undefined || tail.watch === undefined) return;
    tail.lingerTimer = setTimeout(() => {
      tail.lingerTimer = undefined;
      if (tail.waiters.size === 0) tail.watch?.abort();
    }, this.options.lingerMs);
  }

  /** Runs `read` once for every caller that asks for the same `key` while it is in flight. */
  private shared<T>(inFlight: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
    const running = inFlight.get(key);
    if (running !== undefined) return running;
    const started = read().finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  }
}
