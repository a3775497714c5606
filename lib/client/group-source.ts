import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { parseXmlDocument } from '../xml/parse.js';
import type { RetryPolicy } from './backoff.js';
import { SUBSCRIBE_RETRY } from './backoff.js';
import { AtomMQProtocolError } from './errors.js';
import { positionEtag } from './etag.js';
import type { Message } from './message.js';
import { isMessageElement, messageOf } from './message.js';
import type { RetryEvent } from './request.js';
import { expectStatus, sendRequest } from './request.js';
import type { Delivery, MessageSource } from './source.js';
import type { Target } from './target.js';

/** How `subscribe(feedUrl, { group })` works in a consumer group (README, "Consumer groups"). */
export interface GroupSourceOptions {
  /** The group; created from the beginning of the log when it does not exist. */
  readonly group: string;
  /** Entries per claim (default 10). */
  readonly max?: number | undefined;
  /** Seconds each claim's lease lasts (default: the group's lease). */
  readonly leaseSeconds?: number | undefined;
  readonly waitSeconds?: number | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

const ATOM = 'application/atom+xml';
const XPATH_NS = { g: NS.groups };

/** A claimed message and its lease's links. */
interface Claimed {
  readonly message: Message;
  readonly ack: string;
  readonly nack: string;
}

/**
 * A consumer group as a {@link MessageSource}: claims entries (long-polling when there are none),
 * commits a message by acking it and abandons it by nacking it. When the loop stops, the
 * messages of the claim it had not reached yet are nacked too, so other workers get them at once.
 */
export function groupSource(target: Target, options: GroupSourceOptions): MessageSource {
  const groupUrl = `${target.url.replace(/\/$/, '').replace(/\?.*$/, '')}/groups/${encodeURIComponent(options.group)}`;
  const claimUrl = `${groupUrl}/claims?max=${options.max ?? 10}${options.leaseSeconds === undefined ? '' : `&lease=${options.leaseSeconds}`}`;
  const waitSeconds = options.waitSeconds ?? 25;
  const retry = { ...SUBSCRIBE_RETRY, ...options.retry };
  const settle = async (url: string, signal?: AbortSignal): Promise<void> => {
    // 409: the lease ran out and another worker holds the entry now; its lease wins.
    await expectStatus('POST', url, await sendRequest('POST', url, { headers: target.headers }, { retry, signal, onRetry: options.onRetry }), [204, 409]);
  };
  return {
    async *deliveries(signal: AbortSignal): AsyncGenerator<Delivery> {
      let pending: Claimed[] = [];
      try {
        for (;;) {
          const answer = await sendRequest('POST', claimUrl, { headers: { ...target.headers, Accept: ATOM, Prefer: `wait=${waitSeconds}` } },
            { retry, signal, onRetry: options.onRetry, timeoutMs: waitSeconds * 1000 + 30_000 });
          if (answer.status === 404 && new TextDecoder().decode(answer.body).includes('PUT creates it')) {
            await expectStatus('PUT', groupUrl, await sendRequest('PUT', groupUrl, { headers: target.headers }, { retry, signal }), [200, 201]);
            continue;
          }
          await expectStatus('POST', claimUrl, answer, [200]);
          pending = await claimedMessages(claimUrl, answer.body);
          while (pending.length > 0) {
            const next = pending.shift();
            if (next === undefined) break;
            yield { message: next.message, commit: () => settle(next.ack), abandon: () => settle(next.nack) };
          }
        }
      } finally {
        for (const left of pending) await settle(left.nack).catch(() => undefined);
      }
    },
  };
}

/** Reads a claim document: each entry or tombstone with its `g:seq` and its ack and nack links. */
async function claimedMessages(url: string, body: Uint8Array): Promise<Claimed[]> {
  const root = (await parseXmlDocument(body)).root();
  if (root === null || root.name() !== 'feed') throw new AtomMQProtocolError(`POST ${url}: the answer is not an Atom feed`);
  const feedTag = (root.get<Element>('a:id', { a: NS.atom })?.text() ?? '').replace(/^urn:uuid:/, '').replace(/-/g, '').slice(0, 8);
  return root.childNodes().filter((node): node is Element => node.type() === 'element').filter(isMessageElement).map((el) => {
    const seq = Number(el.get<Element>('g:seq', XPATH_NS)?.text() ?? '');
    const link = (rel: string): string => el.get<Element>(`a:link[@rel="${rel}"]`, { a: NS.atom })?.attr('href')?.value() ?? '';
    if (!Number.isSafeInteger(seq) || link('ack') === '') throw new AtomMQProtocolError(`POST ${url}: a claimed entry without its g:seq or ack link`);
    return { message: messageOf(el, seq, positionEtag({ feedTag, seq })), ack: link('ack'), nack: link('nack') };
  });
}
