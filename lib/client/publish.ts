import { randomUUID } from 'node:crypto';
import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { parseXmlDocument } from '../xml/parse.js';
import type { RetryPolicy } from './backoff.js';
import { PUBLISH_RETRY } from './backoff.js';
import { AtomMQProtocolError } from './errors.js';
import { parsePositionEtag } from './etag.js';
import type { MessageInput } from './message-input.js';
import { batchDocument, entryDocument } from './message-input.js';
import type { RetryEvent } from './request.js';
import { expectStatus, sendRequest } from './request.js';
import { targetOf } from './target.js';

/** How a publish is sent. */
export interface PublishOptions {
  /**
   * The `Idempotency-Key` (README, "Idempotent publishing"). By default a random one is made for
   * each message, and every retry of that message carries it, so a retry never publishes twice.
   */
  readonly idempotencyKey?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Overrides parts of the retry policy (10 attempts, 100 ms doubling up to 5 s). */
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Called before each retry, for logging. */
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Extra request headers, such as `Authorization`. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** What the server stored. */
export interface Published {
  /** The entry's sequence number: its place in the feed's log. */
  readonly seq: number;
  /** The member URI (RFC 5023 §9.2 `Location`). */
  readonly location: string;
  /** The position ETag, `"<feed tag>.<seq>"`; a consumer may resume from it. */
  readonly etag: string;
  /** The `atom:id` the server assigned. */
  readonly id: string;
  /** True when the server had already stored this message under the same key (a replay). */
  readonly replayed: boolean;
  /** How many times the request was sent. */
  readonly attempts: number;
}

/** What the server stored for a batch: consecutive sequence numbers `first`…`last`. */
export interface PublishedBatch {
  readonly first: number;
  readonly last: number;
  readonly count: number;
  /** The first member's URI. */
  readonly location: string;
  /** The position ETag of the last entry. */
  readonly etag: string;
  readonly replayed: boolean;
  readonly attempts: number;
}

const ENTRY = 'application/atom+xml;type=entry';
const FEED = 'application/atom+xml;type=feed';

/**
 * Publishes one message as an Atom entry and resolves to where it was stored. Retries 502/503/504
 * and requests that got no answer, with backoff and the same Idempotency-Key; never retries a
 * 4xx, which rejects with an {@link AtomMQRequestError} carrying the server's detail.
 *
 * ```ts
 * const { seq, location } = await publish('http://localhost:5000/feeds/orders', { title: 'order 42', content: 'two apples' });
 * ```
 */
export async function publish(feedUrl: string | URL, message: MessageInput, options: PublishOptions = {}): Promise<Published> {
  return readPublished(await post(feedUrl, new TextEncoder().encode(entryDocument(message)), ENTRY, undefined, options));
}

/**
 * Publishes a JSON value as a media resource (`application/json`, RFC 5023 §9.6): the server
 * keeps the exact bytes, and consumers get them back as the message content. The title goes in
 * the `Slug` header; it defaults to "message".
 */
export async function publishJson(feedUrl: string | URL, value: unknown, options: PublishOptions & { readonly title?: string } = {}): Promise<Published> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('publishJson: the value has no JSON form');
  return publishBytes(feedUrl, new TextEncoder().encode(text), 'application/json', options);
}

/**
 * Publishes bytes of any media type as a media resource (RFC 5023 §9.6), with the title in the
 * `Slug` header (§9.7). XML types are refused here: the server reads an XML body as an entry, so
 * publish XML as an entry's content instead (`contentType: 'application/xml'`).
 */
export async function publishBytes(feedUrl: string | URL, bytes: Uint8Array, mediaType: string, options: PublishOptions & { readonly title?: string } = {}): Promise<Published> {
  if (isEntryType(mediaType)) throw new TypeError(`publishBytes: ${mediaType} bodies are read as Atom entries; publish XML as entry content`);
  return readPublished(await post(feedUrl, bytes, mediaType, encodeURIComponent(options.title ?? 'message'), options));
}

/**
 * Publishes messages as one batch: an Atom feed document whose entries the server stores in one
 * transaction, all or none, with consecutive sequence numbers (README, "Batch publishing"). One
 * Idempotency-Key covers the whole batch. A server takes at most 1000 entries per batch by default.
 */
export async function publishBatch(feedUrl: string | URL, messages: readonly MessageInput[], options: PublishOptions = {}): Promise<PublishedBatch> {
  if (messages.length === 0) throw new TypeError('publishBatch: the batch is empty');
  return publishFeedDocument(feedUrl, new TextEncoder().encode(batchDocument(messages)), options);
}

/** Publishes an Atom document as it is: an entry, or a feed of entries (a batch). */
export async function publishAtomDocument(feedUrl: string | URL, document: Uint8Array, options: PublishOptions = {}): Promise<Published | PublishedBatch> {
  const posted = await post(feedUrl, document, 'application/atom+xml', undefined, options);
  return /type=feed/.test(posted.contentType) ? readBatch(posted) : readPublished(posted);
}

/** Publishes an Atom feed document of entries as one batch. */
export async function publishFeedDocument(feedUrl: string | URL, document: Uint8Array, options: PublishOptions = {}): Promise<PublishedBatch> {
  return readBatch(await post(feedUrl, document, FEED, undefined, options));
}

interface Posted {
  readonly url: string;
  readonly location: string;
  readonly etag: string;
  readonly seq: number;
  readonly contentType: string;
  readonly body: Uint8Array;
  readonly replayed: boolean;
  readonly attempts: number;
}

async function post(feedUrl: string | URL, body: Uint8Array, contentType: string, slug: string | undefined, options: PublishOptions): Promise<Posted> {
  const target = targetOf(feedUrl, options.headers);
  const key = options.idempotencyKey ?? randomUUID();
  const answer = await sendRequest('POST', target.url, {
    headers: { ...target.headers, 'Content-Type': contentType, 'Idempotency-Key': key, Accept: 'application/atom+xml', ...(slug === undefined ? {} : { Slug: slug }) },
    body,
  }, { retry: { ...PUBLISH_RETRY, ...options.retry }, signal: options.signal, onRetry: options.onRetry });
  await expectStatus('POST', target.url, answer, [201]);
  const location = answer.headers.get('location') ?? '';
  const position = parsePositionEtag(answer.headers.get('etag'));
  if (location === '' || position === undefined) throw new AtomMQProtocolError(`POST ${target.url}: a 201 without a Location or a position ETag`);
  return {
    url: target.url, location, etag: answer.headers.get('etag') ?? '', seq: position.seq, contentType: answer.headers.get('content-type') ?? '',
    body: answer.body, replayed: answer.headers.get('idempotent-replayed') === 'true', attempts: answer.attempts,
  };
}

async function readPublished(posted: Posted): Promise<Published> {
  const root = (await parseXmlDocument(posted.body)).root();
  const id = root?.get<Element>('a:id', { a: NS.atom })?.text() ?? '';
  return { seq: posted.seq, location: posted.location, etag: posted.etag, id, replayed: posted.replayed, attempts: posted.attempts };
}

function readBatch(posted: Posted): PublishedBatch {
  // A batch's Location is its first member, whose key is its sequence number.
  const first = Number(/\/entries\/(\d+)$/.exec(posted.location)?.[1]);
  if (!Number.isSafeInteger(first) || first > posted.seq) throw new AtomMQProtocolError(`POST ${posted.url}: a batch Location that names no sequence number: ${posted.location}`);
  return { first, last: posted.seq, count: posted.seq - first + 1, location: posted.location, etag: posted.etag, replayed: posted.replayed, attempts: posted.attempts };
}

function isEntryType(mediaType: string): boolean {
  const type = (mediaType.split(';')[0] ?? '').trim().toLowerCase();
  return type === '' || type === 'application/x-www-form-urlencoded' || type === 'application/xml' || type === 'text/xml' || type === 'application/atom+xml';
}
