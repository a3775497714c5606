import type { EntryRecord, FeedRecord, Store } from '../storage/store.js';

/**
 * Following a feed's log for a held stream: the one place a stream reads rows and waits for new
 * ones, so a later change can share wake-ups without touching the stream's framing.
 */

/** What comes after a stream's position. */
export type LogStep =
  | { readonly kind: 'rows'; readonly rows: readonly EntryRecord[] }
  | { readonly kind: 'pruned'; readonly through: number }
  | { readonly kind: 'idle' };

/** How long a follower waits after a gap that is a commit not yet visible to this reader. */
const GAP_RETRY_MS = 20;

/**
 * Returns the rows right after `position` (contiguous, up to `limit`), or, when there are none,
 * waits up to `idleSeconds` for a commit and tries once more. A gap before the first row is
 * either pruned rows (reported as `pruned`) or a commit that is not visible yet (retried). A
 * stream's idle result is its cue for a heartbeat.
 */
export async function nextStep(feed: FeedRecord, position: number, limit: number, idleSeconds: number, signal: AbortSignal, store: Store): Promise<LogStep> {
  let rows = await sharedReadAfter(store, feed.id, position, limit);
  if (rows.length === 0) {
    await waitForAppendOrIdle(store, feed.id, position, idleSeconds, signal);
    if (signal.aborted) return { kind: 'idle' };
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
  users: number;
}

const waits = new WeakMap<Store, Map<string, SharedWait>>();
/** An abort reason made once: `abort()` without one builds a DOMException, with a stack, per call. */
const RELEASED = new Error('log-follower: no stream waits here any more');

/**
 * Waits until a row after `position` commits, `idleSeconds` pass, or `signal` aborts. The store's
 * wait is shared between the streams waiting at the same position: one store waiter (and its
 * change check) per position, however many streams follow the feed, released when the last one
 * leaves. Per stream it costs one timer and one listener, which matters when a commit wakes
 * thousands of streams.
 */
function waitForAppendOrIdle(store: Store, feedId: number, position: number, idleSeconds: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  const shared = waits.get(store) ?? new Map<string, SharedWait>();
  waits.set(store, shared);
  const key = `${feedId}:${position}`;
  let joined = shared.get(key);
  if (joined === undefined) {
    const controller = new AbortController();
    const created: SharedWait = {
      done: store.waitForAppend(feedId, position, controller.signal).finally(() => {
        if (shared.get(key) === created) shared.delete(key);
      }),
      controller,
      users: 0,
    };
    shared.set(key, created);
    joined = created;
  }
  const wait = joined;
  wait.users += 1;
  return new Promise<void>((resolve) => {
    let isSettled = false;
    const finish = (isLeaving: boolean): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', leave);
      wait.users -= 1;
      if (isLeaving && wait.users === 0) {
        if (shared.get(key) === wait) shared.delete(key);
        wait.controller.abort(RELEASED);
      }
      resolve();
    };
    const leave = (): void => finish(true);
    const timer = setTimeout(leave, idleSeconds * 1000);
    signal.addEventListener('abort', leave, { once: true });
    wait.done.then(() => finish(false), () => finish(false));
  });
}
