import type { RetryPolicy } from './backoff.js';
import type { Message } from './message.js';
import { isTextualType } from './message.js';
import { expectStatus, sendRequest } from './request.js';
import type { Target } from './target.js';

/**
 * Fills in the content of a media link entry (RFC 5023 §9.6) whose media resource is text: JSON,
 * `text/*` or XML, such as a message posted with `publishJson`. Binary media are left as a link
 * (`contentSrc`); so is a resource that is gone (404 or 410: its entry was deleted or pruned).
 */
export async function withMediaContent<M extends Message>(message: M, target: Target, retry: RetryPolicy, signal: AbortSignal): Promise<M> {
  if (message.contentSrc === undefined || message.content !== undefined || !isTextualType(message.contentType ?? '')) return message;
  const url = new URL(message.contentSrc, target.url).toString();
  // Only send credentials back to the server they came from.
  const headers = new URL(url).origin === new URL(target.url).origin ? target.headers : {};
  const answer = await sendRequest('GET', url, { headers }, { retry, signal });
  if (answer.status === 404 || answer.status === 410) return message;
  await expectStatus('GET', url, answer, [200]);
  return { ...message, content: new TextDecoder().decode(answer.body) };
}
