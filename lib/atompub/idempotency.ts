import { HttpError } from '../core/errors.js';
import type { AppendRequest } from '../storage/store.js';

/**
 * `Idempotency-Key` (IETF httpapi draft): a POST carrying one is done at most once per feed
 * within the window. The key may be sent bare or as a quoted structured-field string. The
 * fingerprint is a SHA-256 of the media type and body, so a retry with the same key but another
 * body is told apart (422).
 */
export async function idempotencyFor(header: string | undefined, contentType: string | undefined, body: Uint8Array,
  now: Date, windowSeconds: number): Promise<AppendRequest['idempotency']> {
  if (header === undefined) return undefined;
  const key = header.trim().replace(/^"(.*)"$/, '$1');
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) throw HttpError.badRequest('Idempotency-Key must be 1-255 visible ASCII characters');
  const prefix = new TextEncoder().encode(`${(contentType ?? '').trim().toLowerCase()}\n`);
  const material = new Uint8Array(prefix.byteLength + body.byteLength);
  material.set(prefix);
  material.set(body, prefix.byteLength);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', material));
  const fingerprint = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  return { key, fingerprint, notBefore: new Date(now.getTime() - windowSeconds * 1000).toISOString() };
}
