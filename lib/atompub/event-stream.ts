import type { Deps } from '../core/deps.js';
import type { StreamingResponse } from '../core/response.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import { renderEntryElement } from '../xml/render.js';
import type { CursorInput } from './cursor.js';
import { resolveCursor } from './cursor.js';
import { pageSizeOf } from './feed-page.js';
import { LogFollower } from './log-follower.js';
import { entryView } from './members.js';
import type { Urls } from './urls.js';

/**
 * Server-Sent Events on a feed (WHATWG HTML §9.2): the log as a stream, backlog first, then each
 * row as it commits. Every row is one event: `id:` its sequence number, `event: entry` or
 * `event: deleted` (an RFC 6721 tombstone), and `data:` the very Atom element a feed page would
 * hold, standalone and namespace-well-formed, one `data:` line per line of XML.
 */

/** A request for a feed's event stream. */
export interface EventStreamRequest {
  readonly feed: FeedRecord;
  /** The feed GET's cursor rules (`?start_after=`, `Xlastid`, …). */
  readonly cursor: CursorInput;
  /** `Last-Event-ID`, which EventSource sends on reconnection; it wins over every other cursor. */
  readonly lastEventId: string | undefined;
  readonly urls: Urls;
  /** Ends the stream: the client went away, the server shuts down, or a CGI stream's time is up. */
  readonly signal: AbortSignal;
  /** Seconds of silence before a heartbeat comment; {@link HEARTBEAT_SECONDS} unless a test says less. */
  readonly heartbeatSeconds?: number | undefined;
}

/** A heartbeat comment at least this often keeps proxies and browsers from timing the stream out. */
export const HEARTBEAT_SECONDS = 15;
/** The reconnection delay EventSource is told to use (ms). */
const RETRY_MS = 1000;

const UTF8 = new TextEncoder();

/**
 * Answers a feed GET that asked for `text/event-stream`. The cursor is resolved before the
 * stream starts, so an unknown one is still a plain 400.
 */
export async function openEventStream(request: EventStreamRequest, deps: Deps): Promise<StreamingResponse> {
  const { feed } = request;
  const { position } = await resolveCursor(feed, { ...request.cursor, lastEventId: request.lastEventId }, deps.store);
  return {
    status: 200,
    headers: [
      ['Content-Type', 'text/event-stream'],
      ['Cache-Control', 'no-cache'],
      // nginx and other proxies buffer responses unless told not to; a buffered stream is no stream.
      ['X-Accel-Buffering', 'no'],
    ],
    stream: frames(feed, position, request, deps),
  };
}

async function* frames(feed: FeedRecord, start: number, request: EventStreamRequest, deps: Deps): AsyncGenerator<Uint8Array> {
  const { signal } = request;
  let position = start;
  let prelude = `retry: ${RETRY_MS}\n: AtomMQ event stream of feed ${feed.name.replace(/[\r\n]/g, '')}\n\n`;
  // The feed header AtomMQ-Pruned-Through has no place in a stream: EventSource cannot read it.
  if (position < feed.prunedThrough) {
    prelude += prunedEvent(feed.prunedThrough);
    position = feed.prunedThrough;
  }
  yield UTF8.encode(prelude);
  const follower = new LogFollower(feed, pageSizeOf(feed, deps), request.heartbeatSeconds ?? HEARTBEAT_SECONDS, signal, deps.store);
  while (!follower.isStopped) {
    const step = await follower.next(position);
    if (follower.isStopped) return;
    if (step.kind === 'idle') {
      yield UTF8.encode(': heartbeat\n\n');
    } else if (step.kind === 'pruned') {
      yield UTF8.encode(prunedEvent(step.through));
      position = step.through;
    } else if (step.rows.length > 0) {
      yield concat(step.rows.map((row) => rowEvent(feed, row, request.urls)));
      position = step.rows.at(-1)?.seq ?? position;
    }
  }
}

/**
 * Rows read by one shared query are the same objects for every stream on the feed, so each
 * row's event is framed once per base URL, not once per subscriber.
 */
const framed = new WeakMap<EntryRecord, { readonly base: string; readonly bytes: Uint8Array }>();

function rowEvent(feed: FeedRecord, row: EntryRecord, urls: Urls): Uint8Array {
  const cached = framed.get(row);
  if (cached !== undefined && cached.base === urls.base) return cached.bytes;
  const xml = row.kind === 'tombstone' ? row.xml : renderEntryElement(entryView(feed, row, urls)).markup;
  const bytes = UTF8.encode(`id: ${row.seq}\nevent: ${row.kind === 'tombstone' ? 'deleted' : 'entry'}\n${dataLines(xml)}\n`);
  framed.set(row, { base: urls.base, bytes });
  return bytes;
}

/** An `event: pruned` whose id moves a reconnecting EventSource past the pruned rows. */
function prunedEvent(through: number): string {
  return `id: ${through}\nevent: pruned\ndata: ${through}\n\n`;
}

/** Splits text into `data:` lines: the SSE parser treats CR, LF and CRLF alike as line ends. */
export function dataLines(text: string): string {
  return text.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join('');
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
