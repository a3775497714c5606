import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import libxml from 'libxmljs2';
import { openEventStream } from '../../lib/atompub/event-stream.js';
import { Urls } from '../../lib/atompub/urls.js';
import type { Deps } from '../../lib/core/deps.js';
import { DEFAULT_CONFIG } from '../../lib/core/deps.js';
import { handle } from '../../lib/core/handle.js';
import type { CoreResponse } from '../../lib/core/response.js';
import { headerValue, isStreaming } from '../../lib/core/response.js';
import { openStore } from '../../lib/storage/open.js';
import type { Store } from '../../lib/storage/store.js';
import { bodyOf, envFor } from '../support/env.js';

/** The event stream in-process: framing, cursors, tombstones, pruned gaps, heartbeats, ending. */
interface Event { readonly id: string; readonly event: string; readonly data: string }

let dir = '';
let store: Store;
let deps: Deps;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atommq-sse-core-'));
  store = await openStore(`sqlite:${join(dir, 'bus.db')}`);
  deps = { store, config: DEFAULT_CONFIG, now: () => new Date(), newUuid: randomUUID, logError: (m) => process.stderr.write(`${m}\n`) };
});

after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function call(requestLine: string, headers: Record<string, string> = {}, body?: string, signal?: AbortSignal): Promise<CoreResponse> {
  const request = envFor(requestLine, { headers, ...(body === undefined ? {} : { body }) });
  return handle(request.env, bodyOf(request.body), deps, signal);
}

async function publish(feed: string, title: string): Promise<void> {
  const response = await call(`POST /feeds/${feed}`, { 'Content-Type': 'application/atom+xml' }, `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title><content>line one\nline two</content></entry>`);
  assert.equal(response.status, 201);
}

/** Reads a stream until `count` events (or `comments` comments) have arrived, then aborts it. */
async function collect(response: CoreResponse, controller: AbortController, count: number, comments = 0): Promise<{ events: Event[]; text: string }> {
  assert.ok(isStreaming(response), 'a streaming response');
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.stream) {
    text += decoder.decode(chunk, { stream: true });
    if (parse(text).length >= count && (text.match(/^:/gm) ?? []).length >= comments + 1) controller.abort();
  }
  return { events: parse(text), text };
}

function parse(text: string): Event[] {
  return text.split('\n\n').filter((block) => /^data:/m.test(block)).map((block) => {
    const lines = block.split('\n');
    const field = (name: string): string[] => lines.filter((l) => l.startsWith(`${name}: `)).map((l) => l.slice(name.length + 2));
    return { id: field('id')[0] ?? '', event: field('event')[0] ?? '', data: field('data').join('\n') };
  });
}

describe('the event stream of a feed', () => {
  it('frames the backlog: id is the seq, event entry, data the Atom element split into data: lines', async () => {
    for (let i = 1; i <= 3; i += 1) await publish('core', `t${i}`);
    const controller = new AbortController();
    const response = await call('GET /feeds/core', { Accept: 'text/event-stream' }, undefined, controller.signal);
    assert.equal(response.status, 200);
    assert.equal(headerValue(response.headers, 'Content-Type'), 'text/event-stream');
    assert.equal(headerValue(response.headers, 'Content-Length'), undefined);
    const { events, text } = await collect(response, controller, 3);
    assert.match(text, /^retry: \d+\n/);
    assert.deepEqual(events.map((e) => [e.id, e.event]), [['1', 'entry'], ['2', 'entry'], ['3', 'entry']]);
    const root = libxml.parseXml(events[0]?.data ?? '').root();
    assert.equal(root?.namespace()?.href(), 'http://www.w3.org/2005/Atom');
    assert.match(events[0]?.data ?? '', /line one\nline two/, 'a multi-line element comes back whole');
  });

  it('Last-Event-ID wins over ?start_after= and Xlastid', async () => {
    const controller = new AbortController();
    const response = await call('GET /feeds/core?start_after=0', { Accept: 'text/event-stream', Xlastid: '1', 'Last-Event-ID': '2' }, undefined, controller.signal);
    const { events } = await collect(response, controller, 1);
    assert.equal(events[0]?.id, '3');
  });

  it("follows the feed's cursor rules without Last-Event-ID, and refuses an unknown cursor with a 400", async () => {
    const controller = new AbortController();
    const { events } = await collect(await call('GET /feeds/core', { Accept: 'text/event-stream', Xlastid: '2' }, undefined, controller.signal), controller, 1);
    assert.equal(events[0]?.id, '3');
    assert.equal((await call('GET /feeds/core?start_after=999', { Accept: 'text/event-stream' })).status, 400);
    assert.equal((await call('GET /feeds/nothing-here', { Accept: 'text/event-stream' })).status, 404);
  });

  it('names Last-Event-ID, not a parameter the client never sent, when that id is unknown', async () => {
    await publish('unknown-id', 'only');
    for (const id of ['garbage', '-1', '999', '2.0']) {
      const response = await call('GET /feeds/unknown-id?start_after=0', { Accept: 'text/event-stream', 'Last-Event-ID': id });
      assert.equal(response.status, 400, id);
      const text = 'body' in response ? Buffer.from(response.body).toString('utf8') : '';
      assert.match(text, new RegExp(`Last-Event-ID names no entry of this feed: ${id.replace('.', '\\.')}`), id);
    }
  });

  it('streams live rows as they commit, and a DELETE as event: deleted (an RFC 6721 tombstone)', async () => {
    const controller = new AbortController();
    const response = await call('GET /feeds/core', { Accept: 'text/event-stream', 'Last-Event-ID': '3' }, undefined, controller.signal);
    const reading = collect(response, controller, 2);
    await publish('core', 'live');
    assert.equal((await call('DELETE /feeds/core/entries/1')).status, 200);
    const { events } = await reading;
    assert.deepEqual(events.map((e) => [e.id, e.event]), [['4', 'entry'], ['5', 'deleted']]);
    const tombstone = libxml.parseXml(events[1]?.data ?? '').root();
    assert.equal(tombstone?.name(), 'deleted-entry');
    assert.equal(tombstone?.namespace()?.href(), 'http://purl.org/atompub/tombstones/1.0');
  });

  it('says event: pruned, with the cut as its id, when the position falls into a pruned gap', async () => {
    for (let i = 1; i <= 4; i += 1) await publish('pruned', `p${i}`);
    const feed = await store.findFeed('pruned');
    assert.ok(feed !== undefined);
    assert.equal(await store.prune(feed.id, { olderThan: undefined, keepLast: 2 }), 2);
    const controller = new AbortController();
    const { events } = await collect(await call('GET /feeds/pruned', { Accept: 'text/event-stream', 'Last-Event-ID': '1' }, undefined, controller.signal), controller, 3);
    assert.deepEqual(events.map((e) => [e.id, e.event, e.event === 'pruned' ? e.data : '']), [['2', 'pruned', '2'], ['3', 'entry', ''], ['4', 'entry', '']]);
  });

  it('sends a heartbeat comment when nothing happens, and ends when the signal aborts', async () => {
    const feed = await store.findFeed('core');
    assert.ok(feed !== undefined);
    const controller = new AbortController();
    const response = await openEventStream({
      feed, cursor: { startAfter: undefined, startAt: undefined, lastId: undefined, ifNoneMatch: undefined },
      lastEventId: String(feed.lastSeq), urls: new Urls('http://localhost', undefined), signal: controller.signal, heartbeatSeconds: 0.05,
    }, deps);
    const { events, text } = await collect(response, controller, 0, 1);
    assert.deepEqual(events, []);
    assert.match(text, /\n: heartbeat\n\n/);
  });

  it("answers HEAD with the stream's headers and no body", async () => {
    const response = await call('HEAD /feeds/core', { Accept: 'text/event-stream' });
    assert.equal(response.status, 200);
    assert.ok(!isStreaming(response));
    assert.equal(headerValue(response.headers, 'Content-Type'), 'text/event-stream');
  });
});
