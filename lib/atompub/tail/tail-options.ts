/** The bounds and timings of a TailStore (tail-store.ts). */
export interface TailOptions {
  /**
   * The most all windows hold together (default 8 Mi): their rows' XML in UTF-16 code units,
   * plus ROW_WEIGHT (512) a row. Renderings add at most two copies of a kept row's XML.
   */
  readonly maxBytes: number;
  /** The most rows one feed's window holds (default 2,048). */
  readonly maxRowsPerFeed: number;
  /** The most feeds tracked; idle ones are forgotten first (default 1,024). */
  readonly maxFeeds: number;
  /** How long a watch outlives its last waiter, so consumers that poll again find it (ms). */
  readonly lingerMs: number;
  /** How long a watched feed's row (settings, retention cut) is reused before it is re-read (ms). */
  readonly recordTtlMs: number;
}

/** Rows one catch-up read fetches after a wake-up: more than a burst between two wake-ups. */
export const CATCH_UP_ROWS = 1000;

/** The defaults: about 30 MB at worst for ASCII entries (issue 12). */
export const TAIL_DEFAULTS: TailOptions = { maxBytes: 8 * 1024 * 1024, maxRowsPerFeed: 2048, maxFeeds: 1024, lingerMs: 2000, recordTtlMs: 1000 };
