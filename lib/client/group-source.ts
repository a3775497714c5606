import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { parseXmlDocument } from '../xml/parse.js';
import { PUBLISH_RETRY, SUBSCRIBE_RETRY } from './backoff.js';
import { AtomMQProtocolError } from './errors.js';
import { positionEtag } from './etag.js';
import type { LogSourceOptions } from './log-source.js';
import { withMediaContent } from './media.js';
import type { Message } from './message.js';
import { isMessageElement, messageOf } from './message.js';
import type { RequestOptions } from './request.js';
import { describeFailure, expectStatus, sendRequest } from './request.js';
import type { Delivery, MessageSource } from './source.js';
import type { Target } from './target.js';

/** A message handed out by a consumer group's claim (README, "Consumer groups"). */
export interface GroupMessage extends Message {
  /** How many times the group has handed it out, this time included. */
  readonly deliveries: number;
  /** When the lease ends, by the server's clock; after that another worker may get it. */
  readonly leaseExpires: Date;
  /** The entry (or tombstone) element as claimed, self-contained XML. */
  readonly xml: string;
}

/** Which group a subscription works in, and how it claims. */
export interface GroupSourceOptions extends Pick<LogSourceOptions, 'waitSeconds' | 'fetchMedia' | 'retry' | 'onRetry'> {
  /** The group to work in; created (from the start of the log) when it does not exist. */
  readonly group: string;
  /** Entries per claim (default 10). */
  readonly max?: number | undefined;
  /** Seconds each claim's lease lasts (default: the group's lease). */
  readonly leaseSeconds?: number | undefined;
}

const DEFAULT_WAIT_SECONDS = 25;
const ATOM = 'application/atom+xml';
const XPATH_NS = { a: NS.atom, g: NS.groups };

/** A claimed message and its lease's links. */
interface Claimed {
  readonly message: GroupMessage;
  readonly ack: string;
  readonly nack: string;
}

/**
 * Works through a feed as one worker of a consumer group: claims entries (long-polling with
 * `Prefer: wait`), commits a message by acking it and abandons it by nacking it, so another
 * worker gets it at once. When the loop stops mid-claim, the entries not yet handed to it are
 * nacked too. Claims are retried like a log read; acks and nacks for about 20 s, and not cut
 * short by the signal, so a worker that is stopping still settles what it finished.
 */
export function groupSource(target: Target, options: GroupSourceOptions): MessageSource<GroupMessage> {
  const retry = { ...SUBSCRIBE_RETRY, ...options.retry };
  const waitSeconds = options.waitSeconds ?? DEFAULT_WAIT_SECONDS;
  const group = new URL(target.url);
  group.pathname = `${group.pathname.replace(/\/$/, '')}/groups/${encodeURIComponent(options.group)}`;
  group.search = '';
  const claims = new URL(`${group.pathname}/claims`, group);
  claims.searchParams.set('max', String(options.max ?? 10));
  if (options.leaseSeconds !== undefined) claims.searchParams.set('lease', String(options.leaseSeconds));
  const settling: RequestOptions = { retry: { ...PUBLISH_RETRY, ...options.retry }, onRetry: options.onRetry };
  const settle = async (url: string): Promise<void> => {
    const answer = await sendRequest('POST', url, { headers: target.headers }, settling);
    // 409: the lease ran out and another worker holds the entry now; its lease is the one that counts.
    await expectStatus('POST', url, answer, [204, 409]);
  };
  return {
    async *deliveries(signal: AbortSignal): AsyncGenerator<Delivery<GroupMessage>> {
      for (;;) {
        const answer = await sendRequest('POST', claims.toString(), { headers: { ...target.headers, Accept: ATOM, Prefer: `wait=${waitSeconds}` } },
          { retry, signal, onRetry: options.onRetry, timeoutMs: waitSeconds * 1000 + 30_000 });
        if (answer.status === 404 && (await describeFailure(answer)).includes('PUT creates it')) {
          const created = await sendRequest('PUT', group.toString(), { headers: target.headers }, { ...settling, signal });
          await expectStatus('PUT', group.toString(), created, [200, 201]);
          continue;
        }
        await expectStatus('POST', claims.toString(), answer, [200]);
        const pending = await parseClaim(claims.toString(), answer.body);
        try {
          for (let item = pending.shift(); item !== undefined; item = pending.shift()) {
            const { ack, nack } = item;
            const message = options.fetchMedia === false ? item.message : await withMediaContent(item.message, target, retry, signal);
            yield { message, commit: () => settle(ack), abandon: () => settle(nack).catch(() => undefined) };
          }
        } finally {
          // The loop stopped mid-claim: hand the rest back now rather than when the leases run out.
          for (const left of pending.splice(0)) await settle(left.nack).catch(() => undefined);
        }
      }
    },
  };
}

/** Reads a claim (an Atom feed document) into its messages, in log order. */
async function parseClaim(url: string, body: Uint8Array): Promise<Claimed[]> {
  const root = (await parseXmlDocument(body)).root();
  if (root === null || root.name() !== 'feed' || root.namespace()?.href() !== NS.atom) throw new AtomMQProtocolError(`POST ${url}: the claim is not an Atom feed`);
  // The claim's atom:id is the feed's urn:uuid, whose first 8 hex digits tag its position ETags.
  const feedTag = /^urn:uuid:([0-9a-f]{8})/i.exec(root.get<Element>('a:id', XPATH_NS)?.text().trim() ?? '')?.[1]?.toLowerCase();
  return root.childNodes().filter((node): node is Element => node.type() === 'element').filter(isMessageElement).map((el) => {
    const text = (xpath: string): string => el.get<Element>(xpath, XPATH_NS)?.text() ?? '';
    const link = (rel: string): string => el.get<Element>(`a:link[@rel="${rel}"]`, XPATH_NS)?.attr('href')?.value() ?? '';
    const seq = Number(text('g:seq'));
    if (!Number.isSafeInteger(seq) || seq < 1 || link('ack') === '') throw new AtomMQProtocolError(`POST ${url}: a claimed entry without g:seq or an ack link`);
    const etag = feedTag === undefined ? '' : positionEtag({ feedTag, seq });
    const message: GroupMessage = { ...messageOf(el, seq, etag), deliveries: Number(text('g:deliveries')), leaseExpires: new Date(text('g:lease-expires')), xml: el.toString() };
    return { message, ack: new URL(link('ack'), url).toString(), nack: new URL(link('nack'), url).toString() };
  });
}
