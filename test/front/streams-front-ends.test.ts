import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { parseEntry } from '../support/atom.js';
import { whyUnavailable } from '../support/front-end-check.js';
import { FRONT_END_COMMANDS, FRONT_END_KINDS, startFrontEnd } from '../support/front-ends.js';
import { httpFetch } from '../support/http.js';
import { openEventStream } from '../support/sse.js';
import type { Target } from '../support/targets.js';
import { WEB_SERVER_OF, WEB_SERVER_TARGETS, httpAddressOf, startTargets } from '../support/targets.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
/** As for long polls: an event arrives well under 2 s after its publish is acknowledged. */
const BOUND_MS = 2_000;

/** The sequence number at the end of a member URI. */
function seqOf(location: string | undefined): string {
  return (location ?? '').split('/').at(-1) ?? '';
}

/**
 * An event stream (Accept: text/event-stream) through each web server of the example files:
 * a message published while the stream is open arrives on it, as its own event, under 2 s after
 * the 201, while the stream stays open. A buffering front end would hold it until the stream
 * ends, or until a buffer fills.
 */
describe('event streams through every web server', { timeout: 300_000 }, () => {
  for (const name of WEB_SERVER_TARGETS) {
    const server = WEB_SERVER_OF[name] ?? '';
    describe(name, { skip: whyUnavailable(server, server === 'lighttpd' ? 'any' : 'root') }, () => {
      let target: Target | undefined;
      let close: (() => Promise<void>) | undefined;
      before(async () => {
        const started = await startTargets([name]);
        target = started.targets[0];
        close = started.close;
      });
      after(async () => close?.());

      it('delivers each message as it commits, while the stream stays open', async () => {
        if (target === undefined) throw new Error('target did not start');
        const { port, feedPath } = httpAddressOf(target);
        const first = await httpFetch(port, 'POST', feedPath, { headers: ENTRY, body: '<entry><title>before</title></entry>' });
        assert.equal(first.status, 201, first.body);
        const stream = await openEventStream(port, feedPath, { 'Last-Event-ID': seqOf(first.headers['location']) });
        try {
          assert.equal(stream.status, 200);
          assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
          for (const round of [1, 2]) {
            const posted = await httpFetch(port, 'POST', feedPath, { headers: ENTRY, body: `<entry><title>live ${round}</title></entry>` });
            const committedAt = performance.now();
            assert.equal(posted.status, 201, posted.body);
            const event = await stream.next();
            const delay = performance.now() - committedAt;
            assert.ok(event !== undefined, 'the stream is still open');
            assert.equal(event.id, seqOf(posted.headers['location']));
            assert.equal(parseEntry(event.data).id, parseEntry(posted.body).id);
            assert.ok(delay < BOUND_MS, `event ${round} arrived ${Math.round(delay)} ms after the commit`);
          }
        } finally {
          stream.cut();
        }
      });
    });
  }

  for (const kind of FRONT_END_KINDS) {
    it(`a stream through ${kind} ends cleanly when atommq serve gets SIGTERM`, { skip: whyUnavailable(FRONT_END_COMMANDS[kind], 'root') }, async () => {
      const front = await startFrontEnd(kind);
      try {
        const serve = front.serve;
        assert.ok(serve !== undefined);
        const first = await httpFetch(front.port, 'POST', '/bus/feeds/sse-stop', { headers: ENTRY, body: '<entry><title>first</title></entry>' });
        const stream = await openEventStream(front.port, '/bus/feeds/sse-stop', { 'Last-Event-ID': '0' });
        const backlog = await stream.next();
        assert.equal(backlog?.id, seqOf(first.headers['location']), 'the stream is open and flowing');
        const exited = once(serve.child, 'exit');
        serve.child.kill('SIGTERM');
        assert.equal(await stream.next(), undefined, 'the server ended the stream');
        const [code] = await exited;
        assert.equal(code, 0, serve.stderr());
        assert.doesNotMatch(await front.errorLog(), /\[(error|proxy_fcgi:error)\]/, 'the web server saw a complete response');
      } finally {
        await front.stop();
      }
    });
  }
});
