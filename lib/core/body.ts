import type { CgiEnv } from './env.js';
import { HttpError } from './errors.js';
import type { BodySource } from './deps.js';

/**
 * Reads the request body, refusing more than `limit` bytes. A CONTENT_LENGTH above the limit is
 * refused before a byte is read; a body that grows past the limit (chunked, or a lying
 * CONTENT_LENGTH) is refused as soon as it does, so memory never holds more than `limit`.
 *
 * RFC 3875 §4.1.2: when CONTENT_LENGTH is set, the body is exactly that many bytes. A body that
 * ends early (the client or the web server went away) or runs on past it is not the message
 * the client sent, so it is a 400 and nothing of it is stored. A body stream that fails (a
 * client that disconnects mid-body) is a 400 too: the request could not be built, which is not
 * a fault of the server.
 */
export async function readBody(env: CgiEnv, source: BodySource, limit: number): Promise<Uint8Array> {
  const declared = declaredLength(env, limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > limit) throw HttpError.contentTooLarge(limit);
      if (declared !== undefined && size > declared) throw HttpError.badRequest(`the request body is longer than its CONTENT_LENGTH of ${declared} bytes`);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const reason = error instanceof Error ? error.message.slice(0, 100) : 'the stream failed';
    throw HttpError.badRequest(`the request body could not be read: ${reason}`);
  }
  if (declared !== undefined && size < declared) {
    throw HttpError.badRequest(`the request body ended after ${size} of the ${declared} bytes its CONTENT_LENGTH announced`);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** CONTENT_LENGTH as a number, or undefined when the env has none (a chunked body). */
function declaredLength(env: CgiEnv, limit: number): number | undefined {
  const declared = env['CONTENT_LENGTH'];
  if (declared === undefined || declared === '') return undefined;
  if (!/^\d+$/.test(declared)) throw HttpError.badRequest(`CONTENT_LENGTH is not a number: ${declared.slice(0, 40)}`);
  if (Number(declared) > limit) throw HttpError.contentTooLarge(limit);
  return Number(declared);
}
