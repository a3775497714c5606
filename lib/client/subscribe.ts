import type { LogSourceOptions } from './log-source.js';
import { logSource } from './log-source.js';
import { groupSource } from './group-source.js';
import type { Message } from './message.js';
import type { MessageSource } from './source.js';
import { targetOf } from './target.js';

/** Options of {@link subscribe}. */
export interface SubscribeOptions extends LogSourceOptions {
  /** Ends the iteration: a waiting long poll is dropped at once, and the loop simply ends. */
  readonly signal?: AbortSignal | undefined;
  /** Extra request headers, such as `Authorization`. Credentials in the URL work too. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * Work as one worker of this consumer group instead of reading the whole log: commit acks a
   * message, a throw or break nacks it (README, "Consumer groups"). `cursorFile` and `cursor`
   * then do not apply: the server keeps the group's progress.
   */
  readonly group?: string | undefined;
  /** With `group`: entries per claim (default 10) and the lease in seconds (default: the group's). */
  readonly max?: number | undefined;
  readonly leaseSeconds?: number | undefined;
}

/**
 * Reads a feed as an async iterator of messages, oldest first, then waits for new ones (long
 * polling) for as long as the loop runs. A message is committed (with a `cursorFile`, the cursor
 * is saved durably) only once the loop body has finished with it and asks for the next one. A
 * crash, a `break` or a throw leaves the message uncommitted, so it is delivered again on the
 * next run: at-least-once.
 *
 * ```ts
 * for await (const message of subscribe('http://localhost:5000/feeds/orders', { cursorFile: 'orders.cursor' })) {
 *   await handle(message);
 * }
 * ```
 */
export async function* subscribe(feedUrl: string | URL, options: SubscribeOptions = {}): AsyncGenerator<Message, void, undefined> {
  const source = openSource(feedUrl, options);
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  try {
    for await (const delivery of source.deliveries(signal)) {
      let isFinished = false;
      try {
        yield delivery.message;
        isFinished = true;
      } finally {
        // Runs when the loop asks for the next message (finished), or stops early (not).
        if (isFinished) await delivery.commit();
        else await delivery.abandon();
      }
    }
  } catch (error) {
    if (options.signal?.aborted === true) return;
    throw error;
  } finally {
    stop.abort();
  }
}

/** The source a subscription reads from: the feed's log, or with `group` a consumer group's claims. */
function openSource(feedUrl: string | URL, options: SubscribeOptions): MessageSource {
  const target = targetOf(feedUrl, options.headers);
  return options.group === undefined ? logSource(target, options) : groupSource(target, { ...options, group: options.group });
}
