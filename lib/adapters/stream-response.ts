import type { ServerResponse } from 'node:http';
import type { StreamingResponse } from '../core/response.js';

/**
 * Writes a streaming response (Server-Sent Events) to a Node `ServerResponse`: the headers at
 * once, then each chunk as soon as the core yields it, so nothing waits in a buffer. Node's HTTP
 * server frames the chunks with chunked transfer coding; node-fastcgi sends each as an
 * FCGI_STDOUT record. A client that reads slower than the stream is written waits on `drain`;
 * one that goes away closes the response, which aborts the request's signal and so ends the
 * stream's iterable.
 */
export async function writeStream(res: ServerResponse, response: StreamingResponse, logError: (m: string) => void): Promise<void> {
  try {
    res.flushHeaders();
    for await (const chunk of response.stream) {
      if (res.destroyed) break;
      if (!res.write(chunk)) await drained(res);
    }
    if (!res.destroyed) res.end();
  } catch (error) {
    logError(`atommq: stream ended by a fault: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    res.destroy();
  }
}

/** Resolves when the response can take more, or when it closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
