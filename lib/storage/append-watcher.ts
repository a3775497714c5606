/**
 * Long-polling support shared by every store: consumers wait for a feed to grow past their
 * cursor. Appends in this process wake them at once (`notify`). Appends by other processes or
 * web heads are found by a poll that runs only while someone waits: a cheap "did anything
 * change?" check (SQLite's `PRAGMA data_version`), then one `lastSeq` query per watched feed.
 * PostgreSQL calls `notify` from LISTEN/NOTIFY; SQLite calls `poke` when its WAL file is written,
 * and then the poll is only a slow safety net.
 */
export class AppendWatcher {
  private readonly waiters = new Map<number, Set<Waiter>>();
  private timer: NodeJS.Timeout | undefined;
  private isPolling = false;
  private isPoked = false;
  private burstTimer: NodeJS.Timeout | undefined;
  private burstStep = 0;

  /**
   * @param lastSeq reads a feed's highest committed seq.
   * @param pollMs how often to look for other processes' appends; undefined: never (notify only).
   * @param hasChanged a cheap pre-check; when it says false the tick queries nothing.
   */
  constructor(
    private readonly lastSeq: (feedId: number) => Promise<number>,
    private readonly pollMs: number | undefined,
    private readonly hasChanged: () => Promise<boolean> = async () => true,
  ) {}

  /** Resolves once the feed's last seq passes `afterSeq`, or when `signal` aborts. */
  async wait(feedId: number, afterSeq: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const waiter: Waiter = { afterSeq, wake: () => done() };
      const set = this.waiters.get(feedId) ?? new Set<Waiter>();
      this.waiters.set(feedId, set);
      set.add(waiter);
      const done = (): void => {
        if (!set.delete(waiter)) return; // already released: an abort and a wake-up may both call

        if (set.size === 0) this.waiters.delete(feedId);
        signal.removeEventListener('abort', done);
        if (this.waiters.size === 0) this.stopPolling();
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.startPolling();
      // Registered before this check, so an append between the caller's read and now is not lost.
      this.lastSeq(feedId).then((seq) => { if (seq > afterSeq) done(); }, () => undefined);
    });
  }

  /** Wakes this process's waiters on `feedId` whose cursor is behind `lastSeq`. */
  notify(feedId: number, lastSeq: number): void {
    for (const waiter of [...(this.waiters.get(feedId) ?? [])]) if (lastSeq > waiter.afterSeq) waiter.wake();
  }

  /** What the watcher holds now: feeds and waiters, and whether its poll timer runs. */
  stats(): { feeds: number; waiters: number; isPolling: boolean } {
    const waiters = [...this.waiters.values()].reduce((n, set) => n + set.size, 0);
    return { feeds: this.waiters.size, waiters, isPolling: this.timer !== undefined };
  }

  /** Wakes every waiter; used on close. */
  close(): void {
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) waiter.wake();
    this.stopPolling();
  }

  private startPolling(): void {
    if (this.pollMs === undefined || this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
  }

  private stopPolling(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Looks for other processes' appends soon, rather than at the next poll: the dialect saw a sign
   * of a commit (SQLite: the WAL file was written). The sign comes as the commit's frames are
   * written, before the commit is visible to readers (the WAL index is updated after the sync),
   * so the look is repeated a few times over the next ~130 ms, sooner first. A sign during a
   * burst starts it again.
   */
  poke(): void {
    if (this.waiters.size === 0) return;
    this.burstStep = 0;
    if (this.burstTimer === undefined) this.scheduleBurst();
  }

  private scheduleBurst(): void {
    const delay = BURST_DELAYS_MS[this.burstStep];
    if (delay === undefined || this.waiters.size === 0) return;
    this.burstTimer = setTimeout(() => {
      this.burstTimer = undefined;
      this.burstStep += 1;
      if (this.isPolling) this.isPoked = true;
      else void this.tick();
      this.scheduleBurst();
    }, delay);
    this.burstTimer.unref();
  }

  private async tick(): Promise<void> {
    if (this.isPolling) return;
    this.isPolling = true;
    try {
      if (!(await this.hasChanged())) return;
      for (const feedId of [...this.waiters.keys()]) this.notify(feedId, await this.lastSeq(feedId));
    } catch {
      // A failed poll is retried on the next tick; the waiter's own timeout bounds the wait.
    } finally {
      this.isPolling = false;
      if (this.isPoked) {
        this.isPoked = false;
        void this.tick();
      }
    }
  }
}

/** When to look again after a sign of a commit elsewhere: ~127 ms in all, sooner first. */
const BURST_DELAYS_MS = [1, 2, 4, 8, 16, 32, 64];

interface Waiter {
  readonly afterSeq: number;
  wake(): void;
}
