import type { EntryRecord, FeedRecord, Store } from '../storage/store.js';

/**
 * Following a feed's log for a held stream: the one place a stream reads rows and waits for new
 * ones. The store it is given is the process's TailStore (lib/atompub/tail, issue 12), so SSE
 * streams and long polls share one database wait and one read of each feed's new rows; the
 * per-position sharing below only saves each stream its own AbortController and waiter there.
 */

/** What comes after a stream's position. */
export type LogStep =
  | { readonly kind: 'rows'; readonly rows: readonly EntryRecord[] }
  | { readonly kind: 'pruned'; readonly through: number }
  | { readonly kind: 'idle' };

/** How long a follower waits after a gap that is a commit not yet visible to this reader. */
const GAP_RETRY_MS = 20;

/**
 * One stream's view of a feed's log. `next(position)` returns the rows right after `position`
 * (contiguous, up to `limit`), or, when there are none, waits up to `idleSeconds` for a commit and
 * tries once more. A gap before the first row is either pruned rows (reported as `pruned`) or a
 * commit that is not visible yet (retried). An idle result is the stream's cue for a heartbeat.
 */
export class LogFollower {
  /** Ends the current wait early; set while one runs. */
  private interrupt: (() => void) | undefined;
  /** True once the stream's signal aborted (read from the listener: the getter validates each call). */
  isStopped = false;

  constructor(
    private readonly feed: FeedRecord,
    private readonly limit: number,
    private readonly idleSeconds: number,
    signal: AbortSignal,
    private readonly store: Store,
  ) {
    // One listener for the stream's life, rather than one per wait: a commit wakes every stream.
    this.isStopped = signal.aborted;
    signal.addEventListener('abort', () => {
      this.isStopped = true;
      this.interrupt?.();
    }, { once: true });
  }

  /** What comes after `position`. */
  async next(position: number): Promise<LogStep> {
    const { feed, limit, store } = this;
    let rows = await sharedReadAfter(store, feed.id, position, limit);
    if (rows.length === 0) {
      await this.waitForAppendOrIdle(position);
      if (this.isStopped) return { kind: 'idle' };
      rows = await sharedReadAfter(store, feed.id, position, limit);
      if (rows.length === 0) return { kind: 'idle' };
    }
    const kept = takeContiguous(rows, position);
    if (kept.length > 0) return { kind: 'rows', rows: kept };
    const current = await store.findFeed(feed.name);
    if (current !== undefined && current.prunedThrough > position) return { kind: 'pruned', through: current.prunedThrough };
    await new Promise<void>((resolve) => setTimeout(resolve, GAP_RETRY_MS));
    return { kind: 'rows', rows: [] };
  }

  /**
   * Waits until a row after `position` commits, the idle time passes, or the stream's signal
   * aborts. The store's wait is shared between the streams waiting at the same position: one
   * store waiter (and its change check) per position, however many streams follow the feed,
   * released when the last one leaves. Per stream a wait costs one timer.
   */
  private waitForAppendOrIdle(position: number): Promise<void> {
    if (this.isStopped) return Promise.resolve();
    const wait = joinSharedWait(this.store, this.feed.id, position);
    return new Promise<void>((resolve) => {
      let isSettled = false;
      const finish = (isLeaving: boolean): void => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(timer);
        this.interrupt = undefined;
        leaveSharedWait(wait, isLeaving);
        resolve();
      };
      const timer = setTimeout(() => finish(true), this.idleSeconds * 1000);
      this.interrupt = (): void => finish(true);
      wait.done.then(() => finish(false), () => finish(false));
    });
  }
}

/** The rows that follow `position` without a gap: a gap is a commit this reader cannot see yet. */
function takeContiguous(rows: readonly EntryRecord[], position: number): EntryRecord[] {
  const kept: EntryRecord[] = [];
  for (const row of rows) {
    if (row.seq !== position + kept.length + 1) break;
    kept.push(row);
  }
  return kept;
}

const inFlight = new WeakMap<Store, Map<string, Promise<EntryRecord[]>>>();

/**
 * `store.readAfter`, shared between concurrent callers at the same position: when a commit wakes
 * a thousand streams at once, they all wait on one query and get the same row objects (which also
 * lets the framing cache each row's bytes once).
 */
function sharedReadAfter(store: Store, feedId: number, position: number, limit: number): Promise<EntryRecord[]> {
  const reads = inFlight.get(store) ?? new Map<string, Promise<EntryRecord[]>>();
  inFlight.set(store, reads);
  const key = `${feedId}:${position}:${limit}`;
  const pending = reads.get(key);
  if (pending !== undefined) return pending;
  const read = store.readAfter(feedId, position, limit).finally(() => reads.delete(key));
  reads.set(key, read);
  return read;
}

interface SharedWait {
  readonly done: Promise<void>;
  readonly controller: AbortController;
  readonly waits: Map<string, SharedWait>;
  readonly key: string;
  users: number;
}

const sharedWaits = new WeakMap<Store, Map<string, SharedWait>>();
/** An abort reason made once: `abort()` without one builds a DOMException, with a stack, per call. */
const RELEASED = new Error('log-follower: no stream waits here any more');

/** Joins (or starts) the store wait for rows after `position` of a feed. */
function joinSharedWait(store: Store, feedId: number, position: number): SharedWait {
  const waits = sharedWaits.get(store) ?? new Map<string, SharedWait>();
  sharedWaits.set(store, waits);
  const key = `${feedId}:${position}`;
  let wait = waits.get(key);
  if (wait === undefined) {
    const controller = new AbortController();
    const created: SharedWait = {
      done: store.waitForAppend(feedId, position, controller.signal).finally(() => {
        if (waits.get(key) === created) waits.delete(key);
      }),
      controller, waits, key, users: 0,
    };
    waits.set(key, created);
    wait = created;
  }
  wait.users += 1;
  return wait;
}

/** Leaves a shared wait; the last stream to leave early releases the store's waiter. */
function leaveSharedWait(wait: SharedWait, isLeavingEarly: boolean): void {
  wait.users -= 1;
  if (!isLeavingEarly || wait.users > 0) return;
  if (wait.waits.get(wait.key) === wait) wait.waits.delete(wait.key);
  wait.controller.abort(RELEASED);
}
