import { HttpError } from '../core/errors.js';

/**
 * Long polling: how long a cursor read that finds nothing new may wait for the next commit.
 * Asked with `Prefer: wait=N` (RFC 7240 §4.3) or `?wait=N`, capped by the server's setting.
 * Returns the seconds to wait, 0 for none.
 */
export function requestedWait(prefer: string | undefined, query: string | undefined, maxSeconds: number): number {
  let seconds = 0;
  if (query !== undefined) {
    if (!/^\d{1,6}$/.test(query)) throw HttpError.badRequest(`wait must be a whole number of seconds, not ${query.slice(0, 40)}`);
    seconds = Number(query);
  } else if (prefer !== undefined) {
    // RFC 7240: preferences are a comma-separated list; an unparsable one is ignored.
    const match = /(?:^|,)\s*wait\s*=\s*"?(\d{1,6})"?\s*(?:;|,|$)/i.exec(prefer);
    seconds = match === null ? 0 : Number(match[1]);
  }
  return Math.min(seconds, maxSeconds);
}

/**
 * The reason every released wait is aborted with. Without one, `abort()` builds a DOMException
 * with a stack trace each time: with a thousand long polls answered per commit, that showed up
 * in the profile (issue 12).
 */
const RELEASED = Object.freeze({ released: true });

/**
 * Resolves when `wait` resolves, after `seconds`, or when `signal` (the client went away)
 * aborts, whichever comes first; the wait is always released.
 */
export async function waitAtMost(seconds: number, signal: AbortSignal | undefined, wait: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(RELEASED), seconds * 1000);
  const onAbort = (): void => controller.abort(RELEASED);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal?.aborted !== true) await wait(controller.signal);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    controller.abort(RELEASED);
  }
}
