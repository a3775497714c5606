import type { ClaimedMessage } from './group-claims.js';
import { parseClaimedMessages } from './group-claims.js';
import type { GroupAnswer } from './group-http.js';
import { expectStatus, groupRequest } from './group-http.js';

/** Options of {@link subscribe} with a consumer group. */
export interface GroupSubscribeOptions {
  /** The group to work in. It is created (from the beginning of the log) when it does not exist. */
  readonly group: string;
  /** Entries per claim (default 10). */
  readonly max?: number | undefined;
  /** Seconds each claim's lease lasts (default: the group's lease). */
  readonly leaseSeconds?: number | undefined;
  /** Seconds a claim waits for work before asking again (default 25). */
  readonly waitSeconds?: number | undefined;
  /** Ends the iteration: a waiting claim is dropped at once and the loop ends. */
  readonly signal?: AbortSignal | undefined;
  /** Extra request headers, such as `Authorization`. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * Works through a feed as one worker of a consumer group: claims entries, yields them one by one,
 * acks each once the loop body has finished with it, and nacks it when the body throws or leaves
 * the loop (`break`), so that another worker gets it at once. Entries of the claim that were not
 * yielded yet are nacked too. Runs until `signal` aborts.
 *
 * ```ts
 * for await (const message of subscribe('http://localhost:5000/feeds/orders', { group: 'billing' })) {
 *   await bill(message.xml);
 * }
 * ```
 */
export async function* subscribe(feedUrl: string | URL, options: GroupSubscribeOptions): AsyncGenerator<ClaimedMessage, void, undefined> {
  const groupUrl = `${String(feedUrl).replace(/\/$/, '')}/groups/${encodeURIComponent(options.group)}`;
  const query = `max=${options.max ?? 10}${options.leaseSeconds === undefined ? '' : `&lease=${options.leaseSeconds}`}`;
  const prefer = { ...options.headers, Prefer: `wait=${options.waitSeconds ?? 25}` };
  while (!isAborted(options.signal)) {
    let answer: GroupAnswer;
    try {
      answer = await groupRequest('POST', `${groupUrl}/claims?${query}`, { headers: prefer, signal: options.signal });
    } catch (error) {
      if (isAborted(options.signal)) return;
      throw error;
    }
    if (answer.status === 404 && answer.body.includes('PUT creates it')) {
      expectStatus(await groupRequest('PUT', groupUrl, { headers: options.headers }), [200, 201], `creating group ${options.group}`);
      continue;
    }
    const pending = await parseClaimedMessages(expectStatus(answer, [200], `claiming from ${groupUrl}`).body);
    while (pending.length > 0) {
      const message = pending.shift();
      if (message === undefined) break;
      let isFinished = false;
      try {
        yield message;
        isFinished = true;
      } finally {
        // The loop asked for the next message (finished: ack), or left by throw or break (nack,
        // with the rest of the claim, so other workers need not wait for the leases to run out).
        if (isFinished) await settle(message.ackUrl, options.headers);
        else for (const left of [message, ...pending.splice(0)]) await settle(left.nackUrl, options.headers).catch(() => undefined);
      }
    }
  }
}

async function settle(url: string, headers: Readonly<Record<string, string>> | undefined): Promise<void> {
  // 409: the lease ran out and another worker has the entry now; its lease wins, and this
  // worker's result is simply not the one that counts.
  expectStatus(await groupRequest('POST', url, { headers }), [204, 409], `settling ${url}`);
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
