import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEntry, parseFeed } from '../support/atom.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const atom = (title: string, extra = ''): string => `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title>${extra}</entry>`;
const pathOf = (href: string): string => new URL(href).pathname;

describe('RFC 5023 members on a bus: PUT is a revision, DELETE a tombstone', () => {
  let t: TestApp;
  before(async () => { t = await startApp(); });
  after(async () => t.close());

  it('a consumer with a cursor from before the edits sees the revision and the tombstone after entry 5', async () => {
    const posted = [];
    for (let n = 1; n <= 5; n++) posted.push(await t.call('POST /feeds/edits', { headers: ENTRY, body: atom(`e${n}`) }));
    const cursor = posted[0]?.headers['etag'] ?? '';
    const second = pathOf(posted[1]?.headers['location'] ?? '');
    const third = pathOf(posted[2]?.headers['location'] ?? '');

    const put = await t.call(`PUT ${second}`, { headers: { ...ENTRY, 'If-Match': posted[1]?.headers['etag'] ?? '' }, body: atom('e2 revised') });
    assert.equal(put.status, 200, put.body);
    assert.notEqual(put.headers['etag'], posted[1]?.headers['etag'], 'a PUT gives a new ETag');
    const revised = parseEntry(put.body);
    assert.equal(revised.id, parseEntry(posted[1]?.body ?? '').id, 'the server keeps atom:id');
    assert.equal(revised.links['edit'], posted[1]?.headers['location'], 'and the member URI');
    assert.equal(revised.title, 'e2 revised');
    const deleted = await t.call(`DELETE ${third}`);
    assert.equal(deleted.status, 200, 'XML::Atom::Client accepts only 200');

    const log = await t.call('GET /feeds/edits', { headers: { Xlastid: cursor.replace(/"/g, '') } });
    const feed = parseFeed(log.body);
    assert.deepEqual(feed.entries.map((e) => e.title), ['e2', 'e3', 'e4', 'e5', 'e2 revised']);
    assert.doesNotMatch(log.body, /deleted-entry/, 'a page ends before a tombstone that follows an entry (RFC 4287 puts them first)');
    const next = await t.call(`GET ${new URL(feed.links['next'] ?? '').pathname}${new URL(feed.links['next'] ?? '').search}`);
    assert.match(next.body, new RegExp(`<at:deleted-entry xmlns:at="http://purl.org/atompub/tombstones/1.0" ref="${parseEntry(posted[2]?.body ?? '').id}" when="[^"]+"/>`));
    assert.equal(parseFeed(next.body).entries.length, 0);

    assert.equal((await t.call(`GET ${third}`)).status, 410, 'a deleted member is gone');
    const view = parseFeed((await t.call('GET /feeds/edits?view=edited')).body);
    assert.deepEqual(view.entries.map((e) => e.title), ['e2 revised', 'e5', 'e4', 'e1'], 'the AtomPub view: newest edit first, one per member, deleted absent');
  });

  it('a stale If-Match is a 412 and leaves the entry unchanged', async () => {
    const posted = await t.call('POST /feeds/stale', { headers: ENTRY, body: atom('v1') });
    const member = pathOf(posted.headers['location'] ?? '');
    const first = await t.call(`PUT ${member}`, { headers: { ...ENTRY, 'If-Match': posted.headers['etag'] ?? '' }, body: atom('v2') });
    assert.equal(first.status, 200);
    const stale = await t.call(`PUT ${member}`, { headers: { ...ENTRY, 'If-Match': posted.headers['etag'] ?? '' }, body: atom('v3') });
    assert.equal(stale.status, 412, stale.body);
    const current = await t.call(`GET ${member}`);
    assert.equal(parseEntry(current.body).title, 'v2');
    assert.equal(current.headers['etag'], first.headers['etag']);
    assert.equal((await t.call(`DELETE ${member}`, { headers: { 'If-Match': posted.headers['etag'] ?? '' } })).status, 412);
    assert.equal((await t.call(`GET ${member}`)).status, 200, 'a refused DELETE deletes nothing');
  });

  it('member GET carries an ETag and answers 304 to it', async () => {
    const posted = await t.call('POST /feeds/etag', { headers: ENTRY, body: atom('x') });
    const member = pathOf(posted.headers['location'] ?? '');
    assert.equal((await t.call(`GET ${member}`, { headers: { 'If-None-Match': posted.headers['etag'] ?? '' } })).status, 304);
  });

  it('a JSON message posted as a media resource reads back as the same bytes and type', async () => {
    const json = '{"order":42,"items":["caf\u00e9",null]}';
    const posted = await t.call('POST /feeds/media', { headers: { 'Content-Type': 'application/json', Slug: 'order%2042' }, body: json });
    assert.equal(posted.status, 201, posted.body);
    assert.equal(posted.headers['content-location'], posted.headers['location']);
    const entry = parseEntry(posted.body);
    assert.equal(entry.title, 'order 42');
    const src = entry.element.get('*[local-name()="content"]')?.toString() ?? '';
    assert.match(src, /type="application\/json"/);
    const editMedia = entry.links['edit-media'] ?? '';
    assert.ok(editMedia !== '');
    assert.match(src, new RegExp(`src="${editMedia}\\?revision=1"`));
    const media = await t.call(`GET ${pathOf(editMedia)}`);
    assert.equal(media.status, 200);
    assert.equal(media.headers['content-type'], 'application/json');
    assert.equal(Buffer.from(media.bytes).toString('utf8'), json);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const image = await t.call('POST /feeds/media', { headers: { 'Content-Type': 'image/png' }, body: png });
    const bytes = (await t.call(`GET ${pathOf(parseEntry(image.body).links['edit-media'] ?? '')}`)).bytes;
    assert.deepEqual(Buffer.from(bytes), png);
  });

  it('foreign markup, categories and an html summary survive POST, GET and PUT (the infoset; namespaces are declared on the entry)', async () => {
    const extra = '<summary type="html">&lt;p&gt;hi &amp;amp; bye&lt;/p&gt;</summary><category term="a" scheme="http://example.org/s" label="A"/>' +
      '<category term="b"/><dc:subject xmlns:dc="http://purl.org/dc/elements/1.1/">bus</dc:subject><contributor><name>Bo</name></contributor>';
    const posted = await t.call('POST /feeds/keep', { headers: ENTRY, body: atom('keep', extra) });
    // The canonical writer escapes `>` only where `]]>` would need it.
    for (const part of ['<summary type="html">&lt;p>hi &amp;amp; bye&lt;/p></summary>', '<category term="a" scheme="http://example.org/s" label="A"/>',
      '<category term="b"/>', ' xmlns:dc="http://purl.org/dc/elements/1.1/"', '<dc:subject>bus</dc:subject>', '<contributor><name>Bo</name></contributor>']) {
      assert.ok(posted.body.includes(part), `POST keeps ${part}`);
      const member = pathOf(posted.headers['location'] ?? '');
      assert.ok((await t.call(`GET ${member}`)).body.includes(part), `GET keeps ${part}`);
    }
    const member = pathOf(posted.headers['location'] ?? '');
    const put = await t.call(`PUT ${member}`, { headers: ENTRY, body: atom('kept', `${extra}<link rel="related" href="http://example.org/r"/>`) });
    assert.ok(put.body.includes('<dc:subject>bus</dc:subject>'));
    assert.ok(put.body.includes('<link rel="related" href="http://example.org/r"/>'));
  });

  it('PUT and DELETE of a missing member are 404; PUT of a bad entry is 400 and changes nothing', async () => {
    assert.equal((await t.call('PUT /feeds/keep/entries/999', { headers: ENTRY, body: atom('x') })).status, 404);
    assert.equal((await t.call('DELETE /feeds/keep/entries/999')).status, 404);
    const posted = await t.call('POST /feeds/bad', { headers: ENTRY, body: atom('ok') });
    const member = pathOf(posted.headers['location'] ?? '');
    assert.equal((await t.call(`PUT ${member}`, { headers: ENTRY, body: '<entry><oops' })).status, 400);
    assert.equal((await t.call(`GET ${member}`)).headers['etag'], posted.headers['etag']);
  });
});
