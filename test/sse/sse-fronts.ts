import assert from 'node:assert/strict';
import { httpFetch } from '../support/http.js';
import type { SseEvent, SseStream } from '../support/sse.js';
import { openEventStream } from '../support/sse.js';

/** One way to reach a feed over HTTP: a port and the feed's path. */
export interface Front {
  readonly name: string;
  readonly port: number;
  readonly feedPath: string;
  /** The AtomMQ process behind it, when the test knows it (for descriptor counts). */
  readonly pid?: number | undefined;
}

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

/** Publishes entries titled `m{from}`…`m{to}`, `workers` at a time; returns when all are stored. */
export async function publishMany(front: Front, from: number, to: number, workers = 4): Promise<void> {
  const count = to;
  let next = from;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next <= count) {
      const title = `m${next}`;
      next += 1;
      const response = await httpFetch(front.port, 'POST', front.feedPath, { headers: ENTRY, body: `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title></entry>` });
      assert.equal(response.status, 201, response.body);
    }
  }));
}

/** Reads events from `stream` until `until` says stop or the stream ends; returns what it read. */
export async function readEvents(stream: SseStream, until: (events: readonly SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  while (!until(events)) {
    const event = await stream.next();
    if (event === undefined) break;
    events.push(event);
  }
  return events;
}

/** Asserts the events are entries with ids 1..n, once each, in order. */
export function assertWholeLog(events: readonly SseEvent[], n: number, what: string): void {
  const ids = events.map((e) => Number(e.id));
  assert.equal(ids.length, n, `${what}: ${ids.length} events instead of ${n}`);
  ids.forEach((id, i) => assert.equal(id, i + 1, `${what}: event ${i} has id ${id}`));
  assert.ok(events.every((e) => e.event === 'entry'), `${what}: every event is an entry`);
}

/**
 * A consumer that resumes like EventSource: on each cut or end it reopens with the last id seen
 * as Last-Event-ID. `cutAt` lists how many events to have seen when the test cuts the stream.
 * Returns every event it saw and how many connections it made.
 */
export async function consumeWithReconnects(front: Front, total: number, cutAt: readonly number[]): Promise<{ events: SseEvent[]; connections: number; endedByServer: number }> {
  const events: SseEvent[] = [];
  let connections = 0;
  let endedByServer = 0;
  const cuts = [...cutAt];
  while (events.length < total) {
    const lastId = events.at(-1)?.id;
    const stream = await openEventStream(front.port, front.feedPath, lastId === undefined ? {} : { 'Last-Event-ID': lastId });
    connections += 1;
    assert.equal(stream.status, 200);
    const cut = cuts[0];
    for (;;) {
      if (cut !== undefined && events.length >= cut) {
        cuts.shift();
        stream.cut();
        break;
      }
      const event = await stream.next();
      if (event === undefined) {
        endedByServer += 1;
        break;
      }
      events.push(event);
      if (events.length >= total) {
        stream.cut();
        break;
      }
    }
  }
  return { events, connections, endedByServer };
}
