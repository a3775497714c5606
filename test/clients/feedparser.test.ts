import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEntry, parseFeed } from '../support/atom.js';
import { PYTHON, clientScript, describeRun, pathOf, requireRunnable, runClient, withBus } from './harness.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

describe('python3-feedparser against atommq serve', () => {
  it('reads the bus log with the right ids and titles, and gets 304 for the ETag it got', async (t) => {
    // Run from the repository root, where no feedparser.py shadows the Debian package.
    if (!(await requireRunnable(t, 'python3-feedparser', PYTHON, ['-c', 'import feedparser']))) return;
    await withBus([], async (bus) => {
      const post = async (title: string): Promise<{ id: string; title: string; location: string }> => {
        const escaped = title.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
        const answer = await bus.fetch('POST', '/feeds/parsed', { headers: ENTRY, body: `<entry xmlns="http://www.w3.org/2005/Atom"><title>${escaped}</title></entry>` });
        assert.equal(answer.status, 201, answer.body);
        return { id: parseEntry(answer.body).id, title, location: answer.headers['location'] ?? '' };
      };
      // A tombstone in the log must not trouble a reader that does not know RFC 6721. The
      // consumer's cursor sits after message 1, so its page starts with message 1's tombstone
      // (RFC 4287 puts extension elements before entries, and a page never has one after one).
      const doomed = await post('deleted message');
      const deleted = await bus.fetch('DELETE', pathOf(doomed.location));
      assert.equal(deleted.status, 200, deleted.body);
      const posted = [await post('first message'), await post('caf\u00e9 & <bus> "quoted"')];
      const feed = await bus.fetch('GET', '/feeds/parsed?start_after=1');
      assert.match(feed.body, /<at:deleted-entry /);

      const run = await runClient(PYTHON, [clientScript('feedparser.py'), bus.url('/feeds/parsed?start_after=1')]);
      assert.equal(run.code, 0, describeRun(run));
      const report: unknown = JSON.parse(run.stdout);
      assert.deepEqual(report, {
        status: 200,
        etag: feed.headers['etag'],
        feed: { id: parseFeed(feed.body).id, title: 'parsed' },
        entries: posted.map(({ id, title }) => ({ id, title })),
        second_status: 304,
        second_entries: 0,
      }, 'every message after the cursor, oldest first; then 304 Not Modified for the feed ETag it kept');
    });
  });
});
