import type { EntryRecord, FeedRecord } from '../../storage/store.js';

/** A consumer waiting, in this process, for a feed to grow past `afterSeq`. */
export interface TailWaiter {
  readonly afterSeq: number;
  wake(): void;
}

/**
 * What one process knows of one feed's newest rows: the highest committed seq it has seen, and
 * a window of the newest rows, contiguous (`rows[i].seq === first + i`).
 *
 * Log rows never change once committed (a PUT or DELETE appends a new row), so a row in the
 * window is never stale. Only "which seq is the newest" can be, and it only ever grows here:
 * a lower bound that the store's change watcher keeps close to the truth.
 */
export class FeedTail {
  /** The highest seq known to be committed; a lower bound of the truth. */
  lastSeq = 0;
  /** The seq of `rows[0]`. */
  first = 1;
  rows: EntryRecord[] = [];
  /** What the window weighs for the global bound: its rows' XML (UTF-16 code units) plus {@link ROW_WEIGHT} each. */
  bytes = 0;
  /** The feed row as last read from the store, and when (ms, the hub's clock). */
  record: FeedRecord | undefined;
  recordAt = 0;
  /** The `updated` of the row at `updatedSeq`: a feed's `updated` is its newest row's. */
  updated: string | undefined;
  updatedSeq = 0;
  readonly waiters = new Set<TailWaiter>();
  /** Aborts the shared watch on the store; undefined while nobody watches. */
  watch: AbortController | undefined;
  /** Ends the watch a while after the last waiter left (see TailStore's linger). */
  lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** When this tail was last used, for evicting idle feeds first. */
  usedAt = 0;

  constructor(readonly feedId: number) {}

  /** The seq of the newest row in the window; `first - 1` when it is empty. */
  get last(): number {
    return this.first + this.rows.length - 1;
  }

  /** Learns that `seq` is committed; returns true when that is news. */
  observe(seq: number): boolean {
    if (seq <= this.lastSeq) return false;
    this.lastSeq = seq;
    return true;
  }

  /** Learns the feed row; its counter and time are folded in when they are newer. */
  observeRecord(record: FeedRecord, at: number): void {
    this.record = record;
    this.recordAt = at;
    this.observe(record.lastSeq);
    if (record.lastSeq >= this.updatedSeq) {
      this.updated = record.updated;
      this.updatedSeq = record.lastSeq;
    }
  }

  /**
   * The rows after `afterSeq`, at most `limit`, when the window alone can answer: it holds the
   * first of them, and either all `limit` or every row up to the newest known seq. Undefined
   * when the store must be asked.
   */
  slice(afterSeq: number, limit: number): EntryRecord[] | undefined {
    if (afterSeq >= this.lastSeq && afterSeq >= this.last) return [];
    if (afterSeq + 1 < this.first || afterSeq >= this.last) return undefined;
    const from = afterSeq + 1 - this.first;
    const to = Math.min(this.rows.length, from + limit);
    if (to - from < limit && this.last < this.lastSeq) return undefined;
    return this.rows.slice(from, to);
  }

  /**
   * Adds rows read from, or committed to, the store after `afterSeq`. Only the part that
   * continues the window without a gap is kept; a gap starts a new window, since nothing may
   * ever be served across rows this process has not seen.
   */
  add(afterSeq: number, rows: readonly EntryRecord[]): void {
    const newest = rows.at(-1);
    if (newest === undefined) return;
    this.observe(newest.seq);
    if (newest.seq >= this.updatedSeq) {
      this.updated = newest.updated;
      this.updatedSeq = newest.seq;
    }
    let start = 0;
    while (start < rows.length && (rows[start]?.seq ?? 0) <= this.last) start += 1;
    const isContinuation = this.rows.length > 0 && rows[start]?.seq === this.last + 1;
    if (!isContinuation) {
      // Start again from these rows when they begin right after the reader's position and are
      // newer than the window: a consumer catching up far behind must not push the tail out.
      if (rows[0]?.seq !== afterSeq + 1 || afterSeq < this.last) return;
      this.clear();
      this.first = afterSeq + 1;
      start = 0;
    }
    for (let i = start; i < rows.length; i++) {
      const row = rows[i];
      if (row === undefined || row.seq !== this.last + 1) break;
      this.rows.push(row);
      this.bytes += weightOf(row);
    }
  }

  /** Drops the oldest `count` rows; returns the bytes freed. */
  dropOldest(count: number): number {
    const dropped = this.rows.splice(0, count);
    const freed = dropped.reduce((n, row) => n + weightOf(row), 0);
    this.first += dropped.length;
    this.bytes -= freed;
    return freed;
  }

  /** Forgets every row (after retention or deletion removed some of them). */
  clear(): number {
    const freed = this.bytes;
    this.first = this.last + 1;
    this.rows = [];
    this.bytes = 0;
    return freed;
  }

  /**
   * Wakes the waiters whose cursor is behind the newest known seq, {@link WAKE_SLICE} at a time
   * with the event loop's I/O in between: a thousand answers are ~100 ms of work, and a publisher's
   * request (or anything else) that arrives meanwhile is served between slices, not after all of
   * them. Returns how many are due.
   */
  wakeBehind(): number {
    const due = [...this.waiters].filter((waiter) => waiter.afterSeq < this.lastSeq);
    wakeInSlices(due, 0);
    return due.length;
  }

  /** The feed row with the newest known counter and time folded in, if both are known. */
  freshRecord(): FeedRecord | undefined {
    const record = this.record;
    if (record === undefined || this.updatedSeq !== this.lastSeq || this.updated === undefined) return undefined;
    if (record.lastSeq === this.lastSeq) return record;
    return { ...record, lastSeq: this.lastSeq, updated: this.updated };
  }
}

/** Waiters answered in one turn of the event loop. */
const WAKE_SLICE = 64;

function wakeInSlices(waiters: readonly TailWaiter[], from: number): void {
  const end = Math.min(waiters.length, from + WAKE_SLICE);
  for (let i = from; i < end; i++) waiters[i]?.wake();
  if (end < waiters.length) setImmediate(() => wakeInSlices(waiters, end));
}

/**
 * What a kept row costs besides its XML, counted against the bound: the record, its atom:id and
 * timestamps, and the rendering that hangs off it. It keeps the bound honest for tiny entries.
 */
export const ROW_WEIGHT = 512;

function weightOf(row: EntryRecord): number {
  return row.xml.length + ROW_WEIGHT;
}
