import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseEntry, parseFeed } from './support/atom.js';
import type { TestResponse } from './support/http.js';
import { httpFetch } from './support/http.js';
import type { Running } from './support/processes.js';
import { startServeHttp } from './support/processes.js';

/**
 * AtomBus 1.0405's own test cases (its basic and paging tests), ported as HTTP-level tests of the
 * multi-feed mode of `atommq serve`, which keeps AtomBus's URLs. The server runs with page size
 * 7, as AtomBus's paging test configures it.
 */
describe('AtomBus 1.0405 cases against atommq serve (multi-feed)', () => {
  let server: (Running & { port: number }) | undefined;
  let dir = '';
  const ids: string[] = [];
  const get = (path: string, headers: Record<string, string> = {}): Promise<TestResponse> => httpFetch(server?.port ?? 0, 'GET', path, { headers });
  const entryIds = (response: TestResponse): string[] => parseFeed(response.body).entries.map((e) => e.id);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atommq-atombus-'));
    server = await startServeHttp(['--dsn', `sqlite:${join(dir, 'bus.db')}`, '--page-size', '7']);
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET of a feed that was never posted to is 404', async () => {
    assert.equal((await get('/feeds/foo')).status, 404);
  });

  it('POST is 201 with Location and ETag naming the same entry, GETtable at Location', async () => {
    for (let n = 1; n <= 10; n++) {
      const body = `<entry><title>title${n}</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">content${n}</div></content></entry>`;
      const posted = await httpFetch(server?.port ?? 0, 'POST', '/feeds/foo', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
      assert.equal(posted.status, 201, posted.body);
      const location = posted.headers['location'] ?? '';
      const entry = parseEntry(posted.body);
      ids.push(entry.id);
      const fetched = await get(new URL(location).pathname);
      assert.equal(fetched.status, 200);
      assert.equal(parseEntry(fetched.body).id, entry.id);
      assert.equal(fetched.headers['etag'], posted.headers['etag'], 'the ETag names the entry at Location');
    }
  });

  it('entries come back oldest first, a page of 7 at a time', async () => {
    const page = await get('/feeds/foo');
    assert.deepEqual(entryIds(page), ids.slice(0, 7));
    assert.equal(parseFeed(page.body).entries[0]?.title, 'title1');
  });

  it('feed names match case-insensitively', async () => {
    assert.deepEqual(entryIds(await get('/feeds/FOO')), ids.slice(0, 7));
  });

  it('start_at the 5th gives 6 entries, start_after the 5th gives 5', async () => {
    assert.deepEqual(entryIds(await get(`/feeds/foo?start_at=${ids[4]}`)), ids.slice(4, 10));
    assert.deepEqual(entryIds(await get(`/feeds/foo?start_after=${ids[4]}`)), ids.slice(5, 10));
  });

  it('If-None-Match the 5th gives 5 entries; an unknown one gives the first page', async () => {
    assert.deepEqual(entryIds(await get('/feeds/foo', { 'If-None-Match': ids[4] ?? '' })), ids.slice(5, 10));
    assert.deepEqual(entryIds(await get('/feeds/foo', { 'If-None-Match': 'urn:uuid:bogus' })), ids.slice(0, 7));
  });

  it('If-None-Match the last is 304 with an empty body', async () => {
    const response = await get('/feeds/foo', { 'If-None-Match': ids[9] ?? '' });
    assert.equal(response.status, 304);
    assert.equal(response.body, '');
  });

  it('page size 7: the first page has 7, start_after the 7th gives the last 3', async () => {
    assert.equal(entryIds(await get('/feeds/foo')).length, 7);
    assert.deepEqual(entryIds(await get(`/feeds/foo?start_after=${ids[6]}`)), ids.slice(7, 10));
  });
});
