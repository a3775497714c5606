import type { CoreResponse } from '../core/response.js';
import { REASON, hasBody } from '../core/response.js';
import type { BodySource } from '../core/deps.js';
import type { CgiEnv } from '../core/env.js';

/**
 * The CGI adapter (RFC 3875): the env is the process environment, the body is stdin, and the
 * response goes to stdout as a `Status:` line, headers, a blank line and the body. Nothing else
 * is ever written to stdout; diagnostics go to stderr, which the web server logs.
 */
export async function serveCgi(handler: (env: CgiEnv, body: BodySource) => Promise<CoreResponse>): Promise<void> {
  const env: CgiEnv = process.env;
  const response = await handler(env, readStdin(env));
  await writeStdout(formatCgiResponse(response));
}

/** Serializes a response in CGI form (RFC 3875 §6). */
export function formatCgiResponse(response: CoreResponse): Buffer {
  const lines = [`Status: ${response.status} ${REASON[response.status]}`, ...response.headers.map(([k, v]) => `${k}: ${v}`)];
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return hasBody(response) ? Buffer.concat([head, response.body]) : head;
}

/** Stdin, limited to CONTENT_LENGTH bytes as RFC 3875 §4.2 says the script must read no more. */
async function* readStdin(env: CgiEnv): AsyncGenerator<Uint8Array> {
  const declared = env['CONTENT_LENGTH'];
  let remaining = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : Number.POSITIVE_INFINITY;
  if (remaining === 0) return;
  for await (const chunk of process.stdin) {
    const bytes = chunk instanceof Uint8Array ? chunk : Buffer.from(String(chunk));
    yield remaining < bytes.byteLength ? bytes.subarray(0, remaining) : bytes;
    remaining -= bytes.byteLength;
    if (remaining <= 0) return;
  }
}

function writeStdout(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
}
