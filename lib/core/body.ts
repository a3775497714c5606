import type { CgiEnv } from './env.js';
import { HttpError } from './errors.js';
import type { BodySource } from './deps.js';

/**
 * Reads the request body, refusing more than `limit` bytes. A CONTENT_LENGTH above the limit is
 * refused before a byte is read; a body that grows past the limit (chunked, or a lying
 * CONTENT_LENGTH) is refused as soon as it does, so memory never holds more than `limit`.
 */
export async function readBody(env: CgiEnv, source: BodySource, limit: number): Promise<Uint8Array> {
  const declared = env['CONTENT_LENGTH'];
  if (declared !== undefined && declared !== '') {
    if (!/^\d+$/.test(declared)) throw HttpError.badRequest(`CONTENT_LENGTH is not a number: ${declared.slice(0, 40)}`);
    if (Number(declared) > limit) throw HttpError.contentTooLarge(limit);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > limit) throw HttpError.contentTooLarge(limit);
    chunks.push(chunk);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
