import type { CoreResponse } from '../core/response.js';
import { REASON, hasBody, isStreaming } from '../core/response.js';
import type { BodySource } from '../core/deps.js';
import type { CgiEnv } from '../core/env.js';

/** How long a CGI process streams Server-Sent Events before it ends the stream cleanly. */
export const CGI_STREAM_SECONDS = 25;

/**
 * The CGI adapter (RFC 3875): the env is the process environment, the body is stdin, and the
 * response goes to stdout as a `Status:` line, headers, a blank line and the body. Nothing else
 * is ever written to stdout; diagnostics go to stderr, which the web server logs.
 *
 * A streaming response (Server-Sent Events) would hold a process per consumer for ever, so it
 * lasts `ATOMMQ_CGI_STREAM_SECONDS` (default 25) and then ends cleanly; EventSource reconnects
 * with `Last-Event-ID` and resumes exactly where it stopped. The signal also aborts when stdout
 * closes (the web server dropped the client).
 */
export async function serveCgi(handler: (env: CgiEnv, body: BodySource, signal: AbortSignal) => Promise<CoreResponse>): Promise<void> {
  const env: CgiEnv = process.env;
  const controller = new AbortController();
  const leave = (): void => controller.abort();
  process.stdout.once('error', leave);
  process.stdout.once('close', leave);
  const response = await handler(env, readStdin(env), controller.signal);
  await writeStdout(formatCgiResponse(response));
  if (!isStreaming(response)) return;
  const lifetime = setTimeout(leave, streamSeconds(env['ATOMMQ_CGI_STREAM_SECONDS']) * 1000);
  try {
    for await (const chunk of response.stream) if (!controller.signal.aborted) await writeStdout(Buffer.from(chunk));
  } catch {
    // stdout closed under us: the client went away, and there is no one left to answer.
  } finally {
    clearTimeout(lifetime);
  }
}

function streamSeconds(text: string | undefined): number {
  return text !== undefined && /^\d{1,5}$/.test(text) && Number(text) > 0 ? Number(text) : CGI_STREAM_SECONDS;
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
