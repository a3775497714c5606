import type { EntryRecord, FeedRecord, Store } from '../storage/store.js';
import { waitAtMost } from './wait.js';

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
    await waitAtMost(idleSeconds, signal, (released) => store.waitForAppend(feed.id, position, released));
    if (signal.aborted) return { kind: 'idle' };
    rows = await sharedReadAfter(store, feed.id, position, limit);
    if (rows.length === 0) return { kind: 'idle' };
  }
  const kept = takeContiguous(rows, position);
  if (kept.length > 0) return { kind: 'rows', rows: kept };
  const current = await store.findFeed(feed.name);
  if (current !== undefined && current.prunedThrough > position) return { kind: 'pruned', through: current.prunedThrough };
  await waitAtMost(GAP_RETRY_MS / 1000, signal, () => new Promise<void>(() => undefined));
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
