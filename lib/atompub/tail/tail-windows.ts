import type { EntryRecord } from '../../storage/store.js';
import { FeedTail } from './feed-tail.js';

/** The memory bounds of the windows (see TailOptions). */
export interface WindowBounds {
  readonly maxBytes: number;
  readonly maxRowsPerFeed: number;
  readonly maxFeeds: number;
}

/**
 * Every feed's {@link FeedTail} in one process, and the bounds on them together: the oldest rows
 * of the least recently used feeds go first when the rows weigh more than `maxBytes`, and idle
 * feeds are forgotten beyond `maxFeeds`.
 */
export class TailWindows {
  private readonly tails = new Map<number, FeedTail>();
  private readonly idsByName = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly bounds: WindowBounds, private readonly clock: () => number) {}

  /** The tail of a feed, created on first use. */
  tailOf(feedId: number): FeedTail {
    let tail = this.tails.get(feedId);
    if (tail === undefined) {
      if (this.tails.size >= this.bounds.maxFeeds) this.forgetIdlest();
      tail = new FeedTail(feedId);
      this.tails.set(feedId, tail);
    }
    tail.usedAt = this.clock();
    return tail;
  }

  /** The tail of a feed, if it is tracked. */
  find(feedId: number): FeedTail | undefined {
    return this.tails.get(feedId);
  }

  /** The tail of the feed with this name (matched case-insensitively), if it is tracked. */
  findByName(name: string): FeedTail | undefined {
    const id = this.idsByName.get(name.toLowerCase());
    return id === undefined ? undefined : this.tails.get(id);
  }

  /** Remembers which feed id a name has. */
  name(name: string, feedId: number): void {
    this.idsByName.set(name.toLowerCase(), feedId);
  }

  /** Adds rows read or committed after `afterSeq` to a feed's window, within the bounds. */
  addRows(tail: FeedTail, afterSeq: number, rows: readonly EntryRecord[]): void {
    const before = tail.bytes;
    tail.add(afterSeq, rows);
    if (tail.rows.length > this.bounds.maxRowsPerFeed) tail.dropOldest(tail.rows.length - this.bounds.maxRowsPerFeed);
    this.bytes += tail.bytes - before;
    this.evict(tail);
  }

  /** Forgets a feed's rows (a retention cut moved). */
  clearRows(tail: FeedTail): void {
    this.bytes -= tail.clear();
  }

  /** Drops a feed's state; its waiters are answered and read for themselves. */
  forget(feedId: number): void {
    const tail = this.tails.get(feedId);
    if (tail === undefined) return;
    this.tails.delete(feedId);
    for (const [name, id] of this.idsByName) if (id === feedId) this.idsByName.delete(name);
    this.bytes -= tail.clear();
    if (tail.lingerTimer !== undefined) clearTimeout(tail.lingerTimer);
    tail.watch?.abort();
    for (const waiter of [...tail.waiters]) waiter.wake();
  }

  /** Drops every feed's state. */
  forgetAll(): void {
    for (const id of [...this.tails.keys()]) this.forget(id);
  }

  /** What the windows hold now: feeds, rows, their weight, waiters and active watches. */
  stats(): { feeds: number; rows: number; bytes: number; waiters: number; watches: number } {
    let rows = 0;
    let waiters = 0;
    let watches = 0;
    for (const tail of this.tails.values()) {
      rows += tail.rows.length;
      waiters += tail.waiters.size;
      if (tail.watch !== undefined) watches += 1;
    }
    return { feeds: this.tails.size, rows, bytes: this.bytes, waiters, watches };
  }

  /** Keeps the windows under `maxBytes`: the oldest rows of the least recently used feeds go first. */
  private evict(keep: FeedTail): void {
    if (this.bytes <= this.bounds.maxBytes) return;
    const byAge = [...this.tails.values()].sort((a, b) => a.usedAt - b.usedAt);
    for (const tail of [...byAge.filter((t) => t !== keep), keep]) {
      while (this.bytes > this.bounds.maxBytes && tail.rows.length > 0) this.bytes -= tail.dropOldest(Math.max(1, tail.rows.length >> 1));
      if (this.bytes <= this.bounds.maxBytes) return;
    }
  }

  private forgetIdlest(): void {
    let idlest: FeedTail | undefined;
    for (const tail of this.tails.values()) if (tail.waiters.size === 0 && (idlest === undefined || tail.usedAt < idlest.usedAt)) idlest = tail;
    if (idlest !== undefined) this.forget(idlest.feedId);
  }
}
