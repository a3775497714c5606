/** How often waiting claims look for nacks and replays made by other processes or heads. */
const POLL_MS = 200;

/** One waiting claim: the group version it saw, and how to wake it. */
interface Waiter {
  readonly version: number;
  readonly wake: () => void;
}

/**
 * Wakes claims that wait for work (`Prefer: wait=S`). Work appears four ways:
 * - an append to the feed (the store's own long-poll machinery);
 * - a nack or replay in this process (woken at once);
 * - a nack or replay on another head or CGI process: the group's `version` changes, which one
 *   poll per group (however many claims wait on it) notices while anyone waits;
 * - a lease or nack delay running out, at a time known in advance (a timer).
 */
export class GroupWakers {
  private readonly groups = new Map<number, { readonly waiters: Set<Waiter>; readonly timer: NodeJS.Timeout }>();

  /** @param readVersion reads a group's `version` (-1 when the group is gone). */
  constructor(private readonly readVersion: (groupId: number) => Promise<number>) {}

  /** Wakes every waiter of the group in this process. */
  wake(groupId: number): void {
    for (const waiter of [...(this.groups.get(groupId)?.waiters ?? [])]) waiter.wake();
  }

  /**
   * Resolves on the first of: `wake(groupId)`, a version other than `version`, `dueInMs`
   * elapsing, `waitForAppend` resolving, or `signal` aborting. Releases everything it set up.
   */
  async wait(groupId: number, version: number, dueInMs: number | undefined, signal: AbortSignal,
    waitForAppend: (signal: AbortSignal) => Promise<void>): Promise<void> {
    if (signal.aborted) return;
    const inner = new AbortController();
    const waiter: Waiter = { version, wake: () => inner.abort() };
    const onAbort = (): void => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = dueInMs === undefined ? undefined : setTimeout(waiter.wake, dueInMs);
    this.add(groupId, waiter);
    try {
      await Promise.race([
        waitForAppend(inner.signal).then(waiter.wake, waiter.wake),
        new Promise<void>((resolve) => inner.signal.addEventListener('abort', () => resolve(), { once: true })),
      ]);
    } finally {
      inner.abort();
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      this.remove(groupId, waiter);
    }
  }

  private add(groupId: number, waiter: Waiter): void {
    const existing = this.groups.get(groupId);
    if (existing !== undefined) {
      existing.waiters.add(waiter);
      return;
    }
    const waiters = new Set<Waiter>([waiter]);
    const timer = setInterval(() => {
      this.readVersion(groupId).then((now) => {
        for (const w of [...waiters]) if (w.version !== now) w.wake();
      }, () => undefined);
    }, POLL_MS);
    this.groups.set(groupId, { waiters, timer });
  }

  private remove(groupId: number, waiter: Waiter): void {
    const entry = this.groups.get(groupId);
    if (entry === undefined) return;
    entry.waiters.delete(waiter);
    if (entry.waiters.size > 0) return;
    clearInterval(entry.timer);
    this.groups.delete(groupId);
  }
}
