import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import libxml from 'libxmljs2';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStream } from '../support/sse.js';
import type { Lighttpd, Running } from '../support/processes.js';
import { startLighttpd, startServeHttp } from '../support/processes.js';
import { IS_CI, waitFor, whichCommand } from '../support/tools.js';
import type { Front } from './sse-fronts.js';
import { assertWholeLog, consumeWithReconnects, publishMany, readEvents } from './sse-fronts.js';

/**
 * Server-Sent Events through the long-lived front ends: `atommq serve` over HTTP, and FastCGI
 * behind the rendered lighttpd.conf.example (the spawned bin-path script and `atommq serve
 * --fastcgi`). Events must arrive while the stream is open, which only works when lighttpd
 * streams the response body (server.stream-response-body in the example).
 */
const hasLighttpd = whichCommand('lighttpd') !== undefined;
if (!hasLighttpd && IS_CI) throw new Error('lighttpd is not installed; .ci/run installs it');

const fronts: Front[] = [];

async function openDescriptors(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}
let serve: (Running & { port: number }) | undefined;
let lighttpd: Lighttpd | undefined;
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atommq-sse-'));
  serve = await startServeHttp(['--dsn', `sqlite:${join(dir, 'http.db')}`]);
  fronts.push({ name: 'serve-http', port: serve.port, feedPath: '/feeds/sse', pid: serve.child.pid });
  if (hasLighttpd) {
    lighttpd = await startLighttpd();
    fronts.push({ name: 'lighttpd-fastcgi (atommq serve --fastcgi)', port: lighttpd.port, feedPath: '/bus/feeds/sse', pid: lighttpd.servePid });
    fronts.push({ name: 'lighttpd-fastcgi (bin-path)', port: lighttpd.port, feedPath: '/fcgi/mycoolfeed' });
  } else {
    process.stderr.write('# skipped the lighttpd fronts: lighttpd is not installed\n');
  }
});

after(async () => {
  await serve?.stop();
  await lighttpd?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Server-Sent Events through every long-lived front end', () => {
  it('a stream cut 5 times during 1,000 publishes resumes with Last-Event-ID: 1..1000 once each, in order', async () => {
    for (const front of fronts) {
      await publishMany(front, 1, 1, 1); // multi-feed mode: the first POST creates the feed
      const consumer = consumeWithReconnects(front, 1000, [120, 310, 480, 650, 870]);
      await publishMany(front, 2, 1000);
      const { events, connections } = await consumer;
      assertWholeLog(events, 1000, front.name);
      assert.equal(connections, 6, `${front.name}: five cuts, six connections`);
      const titles = events.map((e) => /<title>(m\d+)<\/title>/.exec(e.data)?.[1]);
      assert.equal(new Set(titles).size, 1000, `${front.name}: every message once`);
    }
  });

  it('200 concurrent subscribers all receive everything, live, and leave nothing behind', async () => {
    for (const front of fronts) {
      const descriptorsBefore = front.pid === undefined ? 0 : await openDescriptors(front.pid);
      const streams = await Promise.all(Array.from({ length: 200 }, () => openEventStream(front.port, front.feedPath, { 'Last-Event-ID': '1000' })));
      assert.ok(streams.every((s) => s.status === 200), `${front.name}: every subscriber is accepted`);
      const received = Promise.all(streams.map((s) => readEvents(s, (events) => events.length >= 50)));
      await publishMany(front, 1001, 1050);
      const all = await received;
      for (const stream of streams) stream.cut();
      // A client that leaves ends its stream: the server closes its side of every connection.
      // lighttpd notices a departed client when it next writes to it: the next event, or the
      // next heartbeat (≤ 15 s), so the wait allows one heartbeat.
      const pid = front.pid;
      if (pid !== undefined) await waitFor(`${front.name}: the streams' descriptors released`, async () => (await openDescriptors(pid)) <= descriptorsBefore + 2, 25_000);
      all.forEach((events, i) => {
        assert.deepEqual(events.map((e) => Number(e.id)), Array.from({ length: 50 }, (_, k) => 1001 + k), `${front.name}: subscriber ${i}`);
      });
    }
  });

  it('each event is the Atom element a feed page holds, standalone and namespace-well-formed', async () => {
    for (const front of fronts) {
      const stream = await openEventStream(front.port, `${front.feedPath}?start_after=1049`);
      assert.equal(stream.headers['content-type'], 'text/event-stream');
      assert.equal(stream.headers['cache-control'], 'no-cache');
      assert.equal(stream.headers['x-accel-buffering'], 'no');
      assert.match(String(stream.headers['vary']), /Accept/);
      const [event] = await readEvents(stream, (events) => events.length >= 1);
      stream.cut();
      assert.equal(stream.retry(), 1000, 'a retry: hint comes first');
      assert.equal(event?.id, '1050');
      const root = libxml.parseXml(event?.data ?? '').root();
      assert.equal(root?.name(), 'entry');
      assert.equal(root?.namespace()?.href(), 'http://www.w3.org/2005/Atom');
    }
  });
});

it('a stream on one web head receives what another head publishes (SQLite shared by two servers)', async () => {
  const shared = await mkdtemp(join(tmpdir(), 'atommq-sse-heads-'));
  const dsn = `sqlite:${join(shared, 'bus.db')}`;
  const a = await startServeHttp(['--dsn', dsn]);
  const b = await startServeHttp(['--dsn', dsn]);
  try {
    const headA: Front = { name: 'head A', port: a.port, feedPath: '/feeds/heads' };
    const headB: Front = { name: 'head B', port: b.port, feedPath: '/feeds/heads' };
    await publishMany(headB, 1, 1, 1);
    const stream = await openEventStream(headA.port, headA.feedPath, { 'Last-Event-ID': '1' });
    const reading = readEvents(stream, (events) => events.length >= 20);
    await publishMany(headB, 2, 21);
    const events = await reading;
    stream.cut();
    assert.deepEqual(events.map((e) => Number(e.id)), Array.from({ length: 20 }, (_, i) => i + 2));
  } finally {
    await a.stop();
    await b.stop();
    await rm(shared, { recursive: true, force: true });
  }
});
