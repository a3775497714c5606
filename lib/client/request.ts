import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { parseXmlDocument } from '../xml/parse.js';
import type { RetryPolicy } from './backoff.js';
import { backoffDelay, sleep } from './backoff.js';
import { AtomMQRequestError, isAbortError } from './errors.js';

/**
 * One HTTP exchange with retries, on Node 20's global fetch. These are retried with backoff:
 * - a request that got no answer at all;
 * - 502, 503 and 504: the server, or the web server in front of it, cannot answer now;
 * - any other 5xx that is not AtomMQ's own problem document: the web server speaking for a
 *   backend that died mid-request (lighttpd answers 500 then);
 * - for GET and HEAD, which change nothing, AtomMQ's own 500 too, so a reader waits out a fault.
 * Any other answer, 4xx included, is returned at once and never retried.
 */

/** Reported before each retry, for logging. */
export interface RetryEvent {
  readonly method: string;
  readonly url: string;
  /** The attempt that failed, 1 for the first. */
  readonly attempt: number;
  /** Its status, or undefined when it got no answer. */
  readonly status: number | undefined;
  readonly reason: string;
  /** How long the client waits before the next attempt. */
  readonly delayMs: number;
  /** The Idempotency-Key every attempt carries, for a publish. */
  readonly idempotencyKey: string | undefined;
}

/** How a request is sent and retried. */
export interface RequestOptions {
  readonly retry: RetryPolicy;
  readonly signal?: AbortSignal | undefined;
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
  /** One attempt that takes longer than this (ms) is abandoned and counts as no answer. */
  readonly timeoutMs?: number | undefined;
}

/** A complete answer, its body read. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  /** How many attempts it took. */
  readonly attempts: number;
}

/** Statuses that say "not now" rather than "no": a server or gateway that cannot answer yet. */
const RETRIED_STATUSES = new Set([502, 503, 504]);

/** True for an answer worth another attempt (see the file's comment). */
function isRetried(method: string, answer: Pick<Answer, 'status' | 'headers'>): boolean {
  if (answer.status < 500) return false;
  const isAtomMQ = /^application\/problem\+xml/i.test(answer.headers.get('content-type') ?? '');
  return RETRIED_STATUSES.has(answer.status) || !isAtomMQ || method === 'GET' || method === 'HEAD';
}
const USER_AGENT = 'atommq-client/0.1';
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Sends a request until it gets an answer that is not a 502/503/504, or the policy's attempts run
 * out. Returns the last answer whatever its status; throws {@link AtomMQRequestError} when no
 * attempt got an answer, and the signal's error when it aborts.
 */
export async function sendRequest(
  method: string,
  url: string,
  init: { readonly headers?: Readonly<Record<string, string>>; readonly body?: Uint8Array },
  options: RequestOptions,
): Promise<Answer> {
  const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...init.headers };
  for (let attempt = 1; ; attempt++) {
    let failure: { status: number | undefined; reason: string; retryAfter: string | null };
    try {
      const answer = await attemptOnce(method, url, headers, init.body, options);
      if (!isRetried(method, answer) || attempt >= options.retry.attempts) return { ...answer, attempts: attempt };
      failure = { status: answer.status, reason: await describeFailure(answer), retryAfter: answer.headers.get('retry-after') };
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      const reason = networkReason(error);
      if (attempt >= options.retry.attempts) throw new AtomMQRequestError(method, url, undefined, reason, attempt);
      failure = { status: undefined, reason, retryAfter: null };
    }
    const delayMs = backoffDelay(attempt, options.retry, failure.retryAfter);
    options.onRetry?.({ method, url, attempt, status: failure.status, reason: failure.reason, delayMs, idempotencyKey: headers['Idempotency-Key'] });
    await sleep(delayMs, options.signal);
  }
}

async function attemptOnce(
  method: string, url: string, headers: Record<string, string>, body: Uint8Array | undefined, options: RequestOptions,
): Promise<Omit<Answer, 'attempts'>> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const response = await fetch(url, { method, headers, signal, redirect: 'follow', ...(body === undefined ? {} : { body: new Uint8Array(body) }) });
  // Reading the body can fail too (a server killed mid-answer); that is a failed attempt.
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
}

/** Says why an attempt got no answer: the cause's code (ECONNREFUSED, ECONNRESET…) when there is one. */
function networkReason(error: unknown): string {
  if (isAbortError(error)) return 'no answer in time';
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  const code: unknown = cause instanceof Error ? Reflect.get(cause, 'code') : undefined;
  return typeof code === 'string' ? `${error.message} (${code})` : cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

/**
 * The `detail` of an RFC 9457 problem document, which AtomMQ sends with every error; for any
 * other body (a web server's own error page), its first line.
 */
export async function describeFailure(answer: Pick<Answer, 'status' | 'headers' | 'body'>): Promise<string> {
  const type = answer.headers.get('content-type') ?? '';
  if (/^application\/problem\+xml/i.test(type)) {
    try {
      const detail = (await parseXmlDocument(answer.body)).get<Element>('//p:detail', { p: NS.problem })?.text();
      if (detail !== undefined && detail !== '') return detail;
    } catch {
      // not readable: fall through to the text
    }
  }
  const text = new TextDecoder().decode(answer.body.subarray(0, 400)).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return text.slice(0, 200);
}

/** Throws an {@link AtomMQRequestError} unless the answer's status is one of `expected`. */
export async function expectStatus(method: string, url: string, answer: Answer, expected: readonly number[]): Promise<void> {
  if (expected.includes(answer.status)) return;
  throw new AtomMQRequestError(method, url, answer.status, await describeFailure(answer), answer.attempts);
}
