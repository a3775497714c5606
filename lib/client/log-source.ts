import type { RetryPolicy } from './backoff.js';
import { SUBSCRIBE_RETRY, backoffDelay, sleep } from './backoff.js';
import type { Cursor } from './cursor-file.js';
import { CursorFile } from './cursor-file.js';
import { cursorParameter, parsePositionEtag } from './etag.js';
import { readLogPage } from './feed-page.js';
import { withMediaContent } from './media.js';
import type { RetryEvent } from './request.js';
import { expectStatus, sendRequest } from './request.js';
import type { Delivery, MessageSource } from './source.js';
import type { Target } from './target.js';
import { withQuery } from './target.js';

/** Where a log subscription starts, and how it waits. */
export interface LogSourceOptions {
  /**
   * A file that keeps the cursor between runs. When it exists, reading resumes after the
   * position it holds, whatever `cursor` says; it is saved after each message is finished.
   */
  readonly cursorFile?: string | undefined;
  /**
   * Where to start when there is no cursor file (or it does not exist yet): `'start'` (the
   * default), `'end'` (only messages published from now on), or a sequence number to read after.
   */
  readonly cursor?: number | 'start' | 'end' | undefined;
  /** How long one long poll waits for a new message, in seconds (default 25; servers cap it at 30). */
  readonly waitSeconds?: number | undefined;
  /** Fetch the bytes of JSON, text and XML media resources into `content` (default true). */
  readonly fetchMedia?: boolean | undefined;
  /** Overrides parts of the retry policy (forever, 100 ms doubling up to 5 s). */
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Called before each retry: a 503, a server that is down, a feed that does not exist yet. */
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Called when the cursor pointed into messages that retention removed: `after+1 … through` are gone. */
  readonly onPruned?: ((gap: { readonly after: number; readonly through: number }) => void) | undefined;
}

const DEFAULT_WAIT_SECONDS = 25;
const ATOM = 'application/atom+xml';

/**
 * Reads a feed's log after a cursor, long-polling (`Prefer: wait`, RFC 7240) at the end of it,
 * and commits a message by moving the cursor past it, durably when there is a cursor file.
 * Survives restarts of the server and 503s: every read is retried until it gets an answer.
 */
export function logSource(target: Target, options: LogSourceOptions): MessageSource {
  const file = options.cursorFile === undefined ? undefined : new CursorFile(options.cursorFile);
  const retry = { ...SUBSCRIBE_RETRY, ...options.retry };
  const waitSeconds = options.waitSeconds ?? DEFAULT_WAIT_SECONDS;
  return {
    async *deliveries(signal: AbortSignal): AsyncGenerator<Delivery> {
      let cursor: Cursor = (await file?.load()) ?? await startingCursor(target, options, signal);
      let missing = 0;
      for (;;) {
        const url = withQuery(target.url, 'start_after', cursorParameter(cursor));
        const answer = await sendRequest('GET', url, { headers: { ...target.headers, Accept: ATOM, Prefer: `wait=${waitSeconds}` } },
          { retry, signal, onRetry: options.onRetry, timeoutMs: waitSeconds * 1000 + 30_000 });
        if (answer.status === 404) {
          // A feed is created by its first POST: wait for it, as for a server that is down.
          missing += 1;
          const delayMs = backoffDelay(missing, retry, null);
          if (missing === 1) options.onRetry?.({ method: 'GET', url, attempt: missing, status: 404, reason: 'the feed does not exist yet; waiting for its first message', delayMs, idempotencyKey: undefined });
          await sleep(delayMs, signal);
          continue;
        }
        missing = 0;
        await expectStatus('GET', url, answer, [200]);
        const page = await readLogPage(url, answer, cursor.seq);
        if (page.prunedThrough !== undefined) options.onPruned?.({ after: cursor.seq, through: page.prunedThrough });
        for (const fetched of page.messages) {
          const message = options.fetchMedia === false ? fetched : await withMediaContent(fetched, target, retry, signal);
          yield {
            message,
            commit: async () => {
              cursor = { feedTag: page.end.feedTag, seq: message.seq };
              await file?.save(cursor);
            },
            abandon: async () => undefined,
          };
        }
        // An empty page after a prune moves the cursor past the gap, in memory only.
        cursor = page.end;
      }
    },
  };
}

/** The cursor to start from without a cursor file. */
async function startingCursor(target: Target, options: LogSourceOptions, signal: AbortSignal): Promise<Cursor> {
  const cursor = options.cursor ?? 'start';
  if (cursor === 'start') return { feedTag: undefined, seq: 0 };
  if (cursor !== 'end') {
    if (!Number.isSafeInteger(cursor) || cursor < 0) throw new RangeError(`cursor must be 'start', 'end' or a sequence number, not ${cursor}`);
    return { feedTag: undefined, seq: cursor };
  }
  // The AtomPub view's ETag names the feed's newest position (README, "AtomPub").
  const url = withQuery(target.url, 'view', 'edited');
  const answer = await sendRequest('HEAD', url, { headers: { ...target.headers, Accept: ATOM } }, { retry: { ...SUBSCRIBE_RETRY, ...options.retry }, signal, onRetry: options.onRetry });
  if (answer.status === 404) return { feedTag: undefined, seq: 0 }; // no feed yet: its first message is new
  await expectStatus('HEAD', url, answer, [200]);
  return parsePositionEtag(answer.headers.get('etag')) ?? { feedTag: undefined, seq: 0 };
}
