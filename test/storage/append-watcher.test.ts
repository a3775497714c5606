import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppendWatcher } from '../../lib/storage/append-watcher.js';
import { isPending, range, within } from './fixtures.js';

/** A lastSeq source the test moves by hand; each query can be held back until released. */
function feedHead(): { seq: number; lastSeq: (feedId: number) => Promise<number> } {
  const head = { seq: 0, lastSeq: async (): Promise<number> => head.seq };
  return head;
}

/** What the watcher still holds: waiters by feed, and whether its poll timer runs. */
function heldBy(watcher: AppendWatcher): { feeds: number; waiters: number; isPolling: boolean } {
  return watcher.stats();
}

// The long-poll helper every store shares; the store suites cover it through each database.
describe('AppendWatcher', () => {
  it('releases every aborted waiter and stops polling', async () => {
    const head = feedHead();
    const watcher = new AppendWatcher(head.lastSeq, 10);
    const controllers = range(1, 100).map(() => new AbortController());
    const waits = controllers.map((c, i) => watcher.wait(i % 7, 0, c.signal));
    assert.deepEqual(heldBy(watcher), { feeds: 7, waiters: 100, isPolling: true });
    for (const c of controllers) c.abort();
    await within(1_000, Promise.all(waits), 'aborted waits');
    assert.deepEqual(heldBy(watcher), { feeds: 0, waiters: 0, isPolling: false });
  });

  it('notify wakes only the waiters behind the new seq, of that feed', async () => {
    const head = feedHead();
    const watcher = new AppendWatcher(head.lastSeq, undefined);
    const signal = new AbortController().signal;
    const [behind, ahead, otherFeed] = [watcher.wait(1, 0, signal), watcher.wait(1, 5, signal), watcher.wait(2, 0, signal)];
    watcher.notify(1, 3);
    await within(1_000, behind, 'a waiter behind seq 3');
    assert.ok(await isPending(ahead));
    assert.ok(await isPending(otherFeed));
    watcher.close();
    await within(1_000, Promise.all([ahead, otherFeed]), 'waiters woken by close');
    assert.deepEqual(heldBy(watcher), { feeds: 0, waiters: 0, isPolling: false });
  });

  it('an aborted waiter whose first check lands late does not drop a newer waiter of its feed', async () => {
    let release: (seq: number) => void = () => undefined;
    const first = new Promise<number>((resolve) => { release = resolve; });
    let calls = 0;
    const watcher = new AppendWatcher(async () => (calls++ === 0 ? first : 0), undefined);
    const early = new AbortController();
    const aborted = watcher.wait(1, 0, early.signal);
    early.abort();
    await aborted;
    const later = watcher.wait(1, 0, new AbortController().signal);
    release(5);
    await first;
    await Promise.resolve();
    watcher.notify(1, 6);
    await within(1_000, later, 'the newer waiter');
  });
});
