import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import libxml from 'libxmljs2';
import type { Element } from 'libxmljs2';
import { parseFeed } from '../support/atom.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';
import { assertStrictXml } from '../support/strict-xml.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const NS = { a: 'http://www.w3.org/2005/Atom', at: 'http://purl.org/atompub/tombstones/1.0' };

/** Every log row a feed document holds, as `entry id updated` or `tombstone ref when`. */
function rowsOf(xml: string): string[] {
  const root = libxml.parseXml(xml).root();
  if (root === null) throw new Error('no root');
  const tombstones = root.find<Element>('at:deleted-entry', NS).map((t) => `tombstone ${t.attr('ref')?.value() ?? ''} ${t.attr('when')?.value() ?? ''}`);
  const entries = root.find<Element>('a:entry', NS).map((e) => `entry ${e.get<Element>('a:id', NS)?.text() ?? ''} ${e.get<Element>('a:updated', NS)?.text() ?? ''}`);
  return [...tombstones, ...entries];
}

const pathOf = (href: string): string => { const url = new URL(href); return url.pathname + url.search; };

describe('RFC 5005 from current: the subscription document and prev-archive reach every row once', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ pageSize: 7 });
    const members: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const posted = await t.call('POST /feeds/walk', { headers: ENTRY, body: `<entry xmlns="${NS.a}"><title>m${i}</title></entry>` });
      assert.equal(posted.status, 201);
      members.push(pathOf(posted.headers['location'] ?? ''));
    }
    for (const member of members.slice(0, 6)) assert.equal((await t.call(`PUT ${member}`, { headers: ENTRY, body: `<entry xmlns="${NS.a}"><title>edited</title></entry>` })).status, 200);
    for (const member of members.slice(3, 9)) assert.equal((await t.call(`DELETE ${member}`)).status, 200);
    const batch = `<feed xmlns="${NS.a}">${'<entry><title>b</title></entry>'.repeat(5)}</feed>`;
    assert.equal((await t.call('POST /feeds/walk', { headers: ENTRY, body: batch })).status, 201);
  });
  after(async () => t.close());

  it('walking prev-archive from current visits the same rows as the bus log, each once', async () => {
    const log: string[] = [];
    for (let path: string | undefined = '/feeds/walk'; path !== undefined;) {
      const page = await t.call(`GET ${path}`);
      assert.equal(page.status, 200);
      log.push(...rowsOf(page.body));
      const next = parseFeed(page.body).links['next'];
      path = next === undefined ? undefined : pathOf(next);
    }
    assert.equal(log.length, 40 + 6 + 6 + 5, 'the bus log holds every row');

    const walked: string[] = [];
    const documents: string[] = [];
    const current = await t.call('GET /feeds/walk?view=current');
    assert.equal(current.status, 200);
    assert.equal(current.headers['cache-control'], 'no-cache');
    const currentHref = parseFeed(current.body).links['current'];
    assert.match(currentHref ?? '', /\/feeds\/walk\?view=current$/);
    for (let path: string | undefined = '/feeds/walk?view=current'; path !== undefined;) {
      const page = await t.call(`GET ${path}`);
      assert.equal(page.status, 200, page.body);
      documents.push(page.body);
      const feed = parseFeed(page.body);
      assert.equal(feed.links['current'], currentHref, `${path} names the subscription document as current`);
      walked.push(...rowsOf(page.body));
      const prev = feed.links['prev-archive'];
      path = prev === undefined ? undefined : pathOf(prev);
    }
    assert.equal(documents.length, Math.ceil(log.length / 7) + (log.length % 7 === 0 ? 1 : 0));
    assert.deepEqual([...walked].sort(), [...log].sort());
    assert.equal(new Set(walked).size, walked.length, 'no row twice');
    assertStrictXml(documents, 'the current document and the archives');
  });

  it('the default GET stays the bus log from the start, and names current', async () => {
    const page = parseFeed((await t.call('GET /feeds/walk')).body);
    assert.equal(page.entries[0]?.title, 'm0');
    assert.match(page.links['current'] ?? '', /\?view=current$/);
  });
});
