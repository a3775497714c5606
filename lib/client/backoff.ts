/**
 * Exponential backoff with full jitter, for retrying a server that is restarting or whose
 * database cannot take writes (503 with `Retry-After`, RFC 9110 §10.2.3).
 */

/** How often, and how patiently, a request is retried. */
export interface RetryPolicy {
  /** Most attempts in all, the first included; `Infinity` retries until the signal aborts. */
  readonly attempts: number;
  /** The delay before the first retry, in ms; it doubles with each retry. */
  readonly baseDelayMs: number;
  /** The longest delay between two attempts, in ms. */
  readonly maxDelayMs: number;
}

/** Publishing: about 20 s of retries, enough to ride out a server restart. */
export const PUBLISH_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 5_000 };

/** Subscribing: a consumer waits for its server for as long as it runs. */
export const SUBSCRIBE_RETRY: RetryPolicy = { attempts: Infinity, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * The delay before retry number `retry` (1 for the first retry). A `Retry-After` in seconds is
 * a floor; jitter spreads the retries of many clients that failed together.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, retryAfter: string | null): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry - 1, 30));
  const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
  const floorMs = retryAfter !== null && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) * 1000 : 0;
  return Math.round(Math.min(Math.max(jittered, floorMs), Math.max(policy.maxDelayMs, floorMs)));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('the operation was aborted', 'AbortError');
}
