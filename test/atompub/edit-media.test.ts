import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEntry, parseFeed } from '../support/atom.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';

const pathOf = (href: string): string => { const url = new URL(href); return url.pathname + url.search; };
const srcOf = (entryXml: string): string => /<content type="[^"]*" src="([^"]+)"/.exec(entryXml)?.[1]?.replace(/&amp;/g, '&') ?? '';

describe('edit-media (RFC 5023 §9.6, §11): PUT is a new revision of the bytes, DELETE a tombstone', () => {
  let t: TestApp;
  before(async () => { t = await startApp(); });
  after(async () => t.close());

  it('PUT replaces the bytes as a revision at the end of the log; each revision keeps its own immutable URI', async () => {
    const posted = await t.call('POST /feeds/pix', { headers: { 'Content-Type': 'image/png', Slug: 'one' }, body: 'first bytes' });
    assert.equal(posted.status, 201);
    const entry = parseEntry(posted.body);
    const editMedia = pathOf(entry.links['edit-media'] ?? '');
    const firstSrc = pathOf(srcOf(posted.body));
    assert.notEqual(firstSrc, editMedia);

    const current = await t.call(`GET ${editMedia}`);
    assert.equal(current.status, 200);
    assert.equal(current.body, 'first bytes');
    assert.equal(current.headers['cache-control'], 'no-cache');
    assert.equal(current.headers['etag'], posted.headers['etag'], 'the member\'s current ETag');
    const revision = await t.call(`GET ${firstSrc}`);
    assert.equal(revision.headers['cache-control'], 'public, max-age=31536000, immutable');

    // Another publish, then a stale If-Match: 412, nothing appended.
    await t.call('POST /feeds/pix', { headers: { 'Content-Type': 'image/png' }, body: 'other' });
    assert.equal((await t.call(`PUT ${editMedia}`, { headers: { 'Content-Type': 'image/png', 'If-Match': '"00000000.1"' }, body: 'x' })).status, 412);
    const put = await t.call(`PUT ${editMedia}`, { headers: { 'Content-Type': 'Image/PNG; q=1', 'If-Match': current.headers['etag'] ?? '' }, body: 'second bytes' });
    assert.equal(put.status, 204, put.body);
    assert.notEqual(put.headers['etag'], current.headers['etag']);
    assert.equal((await t.call(`PUT ${editMedia}`, { headers: { 'Content-Type': 'image/png', 'If-Match': current.headers['etag'] ?? '' }, body: 'y' })).status, 412, 'the old ETag is stale now');

    const log = parseFeed((await t.call('GET /feeds/pix')).body);
    assert.equal(log.entries.length, 3, 'the PUT is a new row at the end of the log');
    const last = log.entries.at(-1);
    assert.equal(last?.id, entry.id);
    assert.equal(last?.contentType, 'image/png;q=1');
    const newSrc = pathOf(srcOf((await t.call(`GET ${pathOf(entry.links['self'] ?? '')}`)).body));
    assert.notEqual(newSrc, firstSrc);
    assert.equal((await t.call(`GET ${newSrc}`)).body, 'second bytes');
    assert.equal((await t.call(`GET ${firstSrc}`)).body, 'first bytes', 'the old revision\'s bytes stay at their URI');
    const now = await t.call(`GET ${editMedia}`);
    assert.equal(now.body, 'second bytes');
    assert.equal(now.headers['etag'], put.headers['etag']);
    assert.equal(now.headers['content-type'], 'image/png;q=1');

    const deleted = await t.call(`DELETE ${editMedia}`, { headers: { 'If-Match': put.headers['etag'] ?? '' } });
    assert.equal(deleted.status, 200);
    for (const path of [editMedia, newSrc, firstSrc, pathOf(entry.links['self'] ?? '')]) assert.equal((await t.call(`GET ${path}`)).status, 410, path);
    assert.equal((await t.call(`PUT ${editMedia}`, { headers: { 'Content-Type': 'image/png' }, body: 'z' })).status, 410);
  });

  it('an entry PUT on a media link entry keeps its bytes and the one content element', async () => {
    const posted = await t.call('POST /feeds/pix', { headers: { 'Content-Type': 'text/plain' }, body: 'kept' });
    const self = pathOf(parseEntry(posted.body).links['self'] ?? '');
    const put = await t.call(`PUT ${self}`, { headers: { 'Content-Type': 'application/atom+xml' }, body: '<entry xmlns="http://www.w3.org/2005/Atom"><title>renamed</title><content>client text</content></entry>' });
    assert.equal(put.status, 200, put.body);
    assert.equal((put.body.match(/<content /g) ?? []).length, 1);
    assert.match(put.body, /<summary type="text"\/>/);
    assert.equal((await t.call(`GET ${pathOf(srcOf(put.body))}`)).body, 'kept');
  });

  it('a member that is not a media link entry has no edit-media: 404', async () => {
    const posted = await t.call('POST /feeds/pix', { headers: { 'Content-Type': 'application/atom+xml' }, body: '<entry><title>e</title></entry>' });
    const key = (posted.headers['location'] ?? '').split('/').at(-1) ?? '';
    assert.equal((await t.call(`PUT /feeds/pix/media/${key}`, { headers: { 'Content-Type': 'image/png' }, body: 'x' })).status, 404);
  });
});
