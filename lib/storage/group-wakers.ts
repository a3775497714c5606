/** How often a waiting claim looks for nacks and replays made by other processes or heads. */
const POLL_MS = 200;

/**
 * Wakes claims that wait for work (`Prefer: wait=S`). Work appears four ways:
 * - an append to the feed (the store's own long-poll machinery);
 * - a nack or replay in this process (woken at once);
 * - a nack or replay on another head or CGI process: the group's `version` changes, which a poll
 *   notices while anyone waits;
 * - a lease or nack delay running out, at a time known in advance (a timer).
 */
export class GroupWakers {
  private readonly waiters = new Map<number, Set<() => void>>();

  /** @param readVersion reads a group's `version` (-1 when the group is gone). */
  constructor(private readonly readVersion: (groupId: number) => Promise<number>) {}

  /** Wakes every waiter of the group in this process. */
  wake(groupId: number): void {
    for (const wake of [...(this.waiters.get(groupId) ?? [])]) wake();
  }

  /**
   * Resolves on the first of: `wake(groupId)`, a version other than `version`, `dueInMs`
   * elapsing, `waitForAppend` resolving, or `signal` aborting. Releases everything it set up.
   */
  async wait(groupId: number, version: number, dueInMs: number | undefined, signal: AbortSignal,
    waitForAppend: (signal: AbortSignal) => Promise<void>): Promise<void> {
    if (signal.aborted) return;
    const inner = new AbortController();
    const set = this.waiters.get(groupId) ?? new Set<() => void>();
    this.waiters.set(groupId, set);
    const done = (): void => inner.abort();
    set.add(done);
    const onAbort = (): void => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = dueInMs === undefined ? undefined : setTimeout(done, dueInMs);
    const poll = setInterval(() => {
      this.readVersion(groupId).then((now) => { if (now !== version) done(); }, () => undefined);
    }, POLL_MS);
    try {
      await Promise.race([
        waitForAppend(inner.signal).then(done, done),
        new Promise<void>((resolve) => inner.signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
    } finally {
      inner.abort();
      clearInterval(poll);
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      set.delete(done);
      if (set.size === 0) this.waiters.delete(groupId);
    }
  }
}
