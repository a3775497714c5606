import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Element } from 'libxmljs2';
import { parseFeed } from '../support/atom.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';

const FEED = { 'Content-Type': 'application/atom+xml;type=feed' };
const batchOf = (titles: readonly string[]): string =>
  `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">${titles.map((t) => `<entry><title>${t}</title><dc:subject>s</dc:subject></entry>`).join('')}</feed>`;

describe('batch publishing: a feed document of N entries, all or none', () => {
  let t: TestApp;
  before(async () => { t = await startApp({ maxBatchEntries: 1000 }); });
  after(async () => t.close());

  it('1000 entries get consecutive sequence numbers in document order, answered with a feed of them', async () => {
    await t.call('POST /feeds/batch', { headers: { 'Content-Type': 'application/atom+xml;type=entry' }, body: '<entry><title>before</title></entry>' });
    const titles = Array.from({ length: 1000 }, (_, i) => `b${i}`);
    const posted = await t.call('POST /feeds/batch', { headers: FEED, body: batchOf(titles) });
    assert.equal(posted.status, 201, posted.body.slice(0, 300));
    assert.equal(posted.headers['content-type'], 'application/atom+xml;type=feed');
    const created = parseFeed(posted.body).entries;
    assert.deepEqual(created.map((e) => e.title), titles);
    assert.deepEqual(created.map((e) => Number(new URL(e.links['self'] ?? '').pathname.split('/').at(-1))), titles.map((_, i) => i + 2));
    for (const entry of created) {
      assert.equal(entry.element.get<Element>('dc:subject', { dc: 'http://purl.org/dc/elements/1.1/' })?.text(), 's', 'namespaces declared on the feed carry over');
    }
    const log = parseFeed((await t.call('GET /feeds/batch?start_after=1')).body);
    assert.deepEqual(log.entries.map((e) => e.title), titles);
  });

  it('a batch holding one malformed entry creates nothing and names the bad entry', async () => {
    const titles = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    const body = batchOf(titles).replace('<entry><title>m617</title>', '<entry><summary>no title</summary>');
    const before = (await t.call('GET /feeds/batch?start_after=0&limit=1')).headers['etag'];
    const refused = await t.call('POST /feeds/batch', { headers: FEED, body });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /entry 617 of the batch: an entry needs a &lt;title&gt;/);
    const log = await t.call('GET /feeds/batch?start_after=1001');
    assert.equal(parseFeed(log.body).entries.length, 0, 'nothing was created');
    assert.equal((await t.call('GET /feeds/batch?start_after=0&limit=1')).headers['etag'], before);
  });

  it('a batch above the cap is a 413', async () => {
    const small = await startApp({ maxBatchEntries: 10 });
    try {
      const refused = await small.call('POST /feeds/cap', { headers: FEED, body: batchOf(Array.from({ length: 11 }, (_, i) => `c${i}`)) });
      assert.equal(refused.status, 413);
      assert.match(refused.body, /holds 11 entries; the limit is 10/);
      assert.equal((await small.call('GET /feeds/cap')).status, 404, 'not even the feed was created');
    } finally {
      await small.close();
    }
  });
});
