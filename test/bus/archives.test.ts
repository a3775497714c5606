import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEntry, parseFeed } from '../support/atom.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

describe('RFC 5005 archive paging over a 2,500-entry feed, page size 100', () => {
  let t: TestApp;
  const published: string[] = [];
  before(async () => {
    t = await startApp({ pageSize: 100 });
    // Published 50 at a time: concurrent POSTs share group commits, and seq follows commit order.
    for (let start = 0; start < 2500; start += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        t.call('POST /feeds/big', { headers: ENTRY, body: `<entry xmlns="http://www.w3.org/2005/Atom"><title>n${start + i}</title></entry>` })));
      for (const r of batch) assert.equal(r.status, 201);
    }
    const all: Array<{ seq: number; id: string }> = [];
    for (let after = 0; after < 2500; after += 100) {
      const page = parseFeed((await t.call(`GET /feeds/big?start_after=${after}`)).body);
      page.entries.forEach((e, i) => all.push({ seq: after + i + 1, id: e.id }));
    }
    published.push(...all.map((e) => e.id));
  });
  after(async () => t.close());

  it('following next from the beginning yields every entry once, in order', async () => {
    const seen: string[] = [];
    const cacheControls: string[] = [];
    let path: string | undefined = '/feeds/big';
    for (let pages = 0; path !== undefined && pages < 40; pages++) {
      const response = await t.call(`GET ${path}`);
      assert.equal(response.status, 200, response.body);
      cacheControls.push(response.headers['cache-control'] ?? '');
      const feed = parseFeed(response.body);
      seen.push(...feed.entries.map((e) => e.id));
      const next = feed.links['next'];
      path = next === undefined ? undefined : new URL(next).pathname + new URL(next).search;
    }
    assert.equal(seen.length, 2500);
    assert.equal(new Set(seen).size, 2500);
    assert.deepEqual(seen, published);
    assert.equal(cacheControls.filter((c) => c.includes('immutable')).length, 24, 'windows 2..25 are archives (the first page is the feed URL itself)');
    assert.equal(cacheControls[0], 'no-cache');
  });

  it('a full window is an immutable archive with fh:archive and archive links; the head is not', async () => {
    const archive = await t.call('GET /feeds/big/archive/3');
    assert.equal(archive.status, 200);
    assert.equal(archive.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.match(archive.body, /<fh:archive xmlns:fh="http:\/\/purl.org\/syndication\/history\/1.0"\/>/);
    const feed = parseFeed(archive.body);
    assert.equal(feed.entries.length, 100);
    assert.deepEqual(feed.entries.map((e) => e.id), published.slice(200, 300));
    assert.match(feed.links['prev-archive'] ?? '', /\/feeds\/big\/archive\/2$/);
    assert.match(feed.links['next-archive'] ?? '', /\/feeds\/big\/archive\/4$/);
    assert.match(feed.links['current'] ?? '', /\/feeds\/big\?view=current$/);

    await t.call('POST /feeds/big', { headers: ENTRY, body: '<entry xmlns="http://www.w3.org/2005/Atom"><title>head</title></entry>' });
    const head = await t.call('GET /feeds/big?start_after=2500');
    assert.equal(head.headers['cache-control'], 'no-cache');
    assert.ok(head.headers['etag'] !== undefined);
    assert.match(parseFeed(head.body).links['prev-archive'] ?? '', /\/feeds\/big\/archive\/25$/);
    assert.equal(parseEntry((await t.call('GET /feeds/big/entries/2501')).body).title, 'head');
    assert.equal((await t.call('GET /feeds/big/archive/26')).status, 404, 'an incomplete window is not an archive');
  });
});
