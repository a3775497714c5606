import type { GroupMessage, GroupSourceOptions } from './group-source.js';
import { groupSource } from './group-source.js';
import type { LogSourceOptions } from './log-source.js';
import { logSource } from './log-source.js';
import type { Message } from './message.js';
import type { MessageSource } from './source.js';
import { targetOf } from './target.js';

/** What every subscription takes, whatever its source. */
interface CommonOptions {
  /** Ends the iteration: a waiting long poll is dropped at once, and the loop simply ends. */
  readonly signal?: AbortSignal | undefined;
  /** Extra request headers, such as `Authorization`. Credentials in the URL work too. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** Options of {@link subscribe} reading the feed's log. */
export interface SubscribeOptions extends LogSourceOptions, CommonOptions {
  readonly group?: undefined;
}

/** Options of {@link subscribe} working as one worker of a consumer group. */
export interface GroupSubscribeOptions extends GroupSourceOptions, CommonOptions {}

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
 *
 * With `group`, it works as one worker of that consumer group instead (README, "Consumer
 * groups"): each message is claimed for this worker alone, acked once the loop body finishes with
 * it, and nacked when the body throws or leaves the loop, so another worker gets it at once.
 *
 * ```ts
 * for await (const message of subscribe('http://localhost:5000/feeds/orders', { group: 'billing' })) {
 *   await bill(message);
 * }
 * ```
 */
export function subscribe(feedUrl: string | URL, options: GroupSubscribeOptions): AsyncGenerator<GroupMessage, void, undefined>;
export function subscribe(feedUrl: string | URL, options?: SubscribeOptions): AsyncGenerator<Message, void, undefined>;
export async function* subscribe(feedUrl: string | URL, options: SubscribeOptions | GroupSubscribeOptions = {}): AsyncGenerator<Message, void, undefined> {
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

/** The source a subscription reads from: a consumer group's claims, or the feed's log. */
function openSource(feedUrl: string | URL, options: SubscribeOptions | GroupSubscribeOptions): MessageSource {
  const target = targetOf(feedUrl, options.headers);
  return options.group === undefined ? logSource(target, options) : groupSource(target, options);
}
