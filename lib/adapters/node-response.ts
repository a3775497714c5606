import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CoreResponse } from '../core/response.js';
import { hasBody, isStreaming } from '../core/response.js';
import { writeStream } from './stream-response.js';

/**
 * Writes a core response to a Node `ServerResponse`: the one writer the HTTP and FastCGI
 * adapters share (node-fastcgi's response mimics Node's). A response that cannot be written,
 * because the client went away, is logged and the connection closed.
 */
export function writeNodeResponse(res: ServerResponse, response: CoreResponse, logError: (m: string) => void): void {
  try {
    res.statusCode = response.status;
    for (const [name, values] of groupHeaders(response.headers)) res.setHeader(name, values.length === 1 ? values[0] ?? '' : values);
    if (isStreaming(response)) void writeStream(res, response, logError);
    else if (hasBody(response)) res.end(response.body);
    else res.end();
  } catch (error) {
    logError(`atommq: unable to write the response: ${error instanceof Error ? error.message : String(error)}`);
    res.destroy();
  }
}

function groupHeaders(headers: CoreResponse['headers']): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return grouped;
}

const CLIENT_LEFT = Object.freeze({ clientLeft: true });

/**
 * A signal that aborts when the client goes away before its answer is written, so a long poll
 * stops waiting for it. Shared by the HTTP and FastCGI adapters: node-fastcgi emits `aborted`
 * on FCGI_ABORT_REQUEST or a closed web-server connection, as Node's HTTP server does.
 */
export function clientLeftSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const leave = (): void => {
    // A fixed reason: abort() without one builds a DOMException, with its stack, per request.
    if (!res.writableFinished) controller.abort(CLIENT_LEFT);
  };
  req.once('aborted', leave);
  res.once('close', leave);
  return controller.signal;
}
