import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openEventStream } from '../support/sse.js';
import { startLighttpd } from '../support/processes.js';
import { requireTool } from '../support/tools.js';
import { assertWholeLog, consumeWithReconnects, publishMany, readEvents } from './sse-fronts.js';

/**
 * Under CGI a process per held stream cannot live for ever: each stream lasts
 * ATOMMQ_CGI_STREAM_SECONDS (25 s by default; 1 s here) and then ends cleanly. A consumer that
 * reconnects with Last-Event-ID, as EventSource does, still receives every message once, in order.
 */
it('CGI behind lighttpd: bounded streams with reconnects deliver everything', async (t) => {
  if (!requireTool(t, 'lighttpd', 'the CGI front end')) return;
  const lighttpd = await startLighttpd({ scriptEnv: { ATOMMQ_CGI_STREAM_SECONDS: '1' } });
  try {
    const front = { name: 'lighttpd-cgi', port: lighttpd.port, feedPath: '/cgi-bin/mycoolfeed' };
    const consumer = consumeWithReconnects(front, 40, []);
    // One publisher at a time: 40 CGI runs take well over the 1 s a stream lasts.
    await publishMany(front, 1, 40, 1);
    const { events, connections, endedByServer } = await consumer;
    assertWholeLog(events, 40, 'CGI consumer');
    assert.ok(endedByServer >= 1 && connections === endedByServer + 1, `streams ended by the server: ${endedByServer} of ${connections}`);
    // A stream with nothing new still ends by itself, cleanly, after its lifetime.
    const idle = await openEventStream(front.port, front.feedPath, { 'Last-Event-ID': '40' });
    assert.equal(idle.status, 200);
    assert.deepEqual(await readEvents(idle, () => false), [], 'no event, then a clean end');
    assert.equal(idle.retry(), 1000);
  } finally {
    await lighttpd.stop();
  }
});
