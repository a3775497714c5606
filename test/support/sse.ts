import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';

/** One Server-Sent Event as a consumer sees it. */
export interface SseEvent {
  readonly id: string;
  readonly event: string;
  readonly data: string;
}

/** An open event stream: events as they arrive, and a way to cut it. */
export interface SseStream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** Resolves with the next event, or undefined when the stream ended. */
  next(): Promise<SseEvent | undefined>;
  /** Comment lines seen so far (heartbeats). */
  readonly comments: string[];
  /** The `retry:` hint, once seen. */
  retry(): number | undefined;
  /** Cuts the connection, as a dropped network would. */
  cut(): void;
}

/**
 * Opens `path` on 127.0.0.1:`port` with `Accept: text/event-stream`, and parses the stream the way
 * the WHATWG HTML event-stream parser does (fields, `data:` lines joined by LF, comments).
 */
export function openEventStream(port: number, path: string, headers: Readonly<Record<string, string>> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const queue: SseEvent[] = [];
      const waiting: Array<(event: SseEvent | undefined) => void> = [];
      const comments: string[] = [];
      let retry: number | undefined;
      let ended = false;
      let buffer = '';
      let fields = { id: '', event: '', data: [] as string[] };
      const deliver = (event: SseEvent | undefined): void => {
        const waiter = waiting.shift();
        if (waiter !== undefined) waiter(event);
        else if (event !== undefined) queue.push(event);
      };
      const finish = (): void => {
        ended = true;
        while (waiting.length > 0) deliver(undefined);
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let at = buffer.search(/\r\n|\r|\n/); at >= 0; at = buffer.search(/\r\n|\r|\n/)) {
          const line = buffer.slice(0, at);
          buffer = buffer.slice(at + (buffer.startsWith('\r\n', at) ? 2 : 1));
          if (line === '') {
            if (fields.data.length > 0) deliver({ id: fields.id, event: fields.event || 'message', data: fields.data.join('\n') });
            fields = { id: fields.id, event: '', data: [] };
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1));
          } else {
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (name === 'data') fields.data.push(value);
            else if (name === 'id') fields.id = value;
            else if (name === 'event') fields.event = value;
            else if (name === 'retry' && /^\d+$/.test(value)) retry = Number(value);
          }
        }
      });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        comments,
        retry: () => retry,
        next: () => {
          const event = queue.shift();
          if (event !== undefined || ended) return Promise.resolve(event);
          return new Promise((r) => waiting.push(r));
        },
        cut: () => {
          req.destroy();
          finish();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
