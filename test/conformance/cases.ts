import assert from 'node:assert/strict';
import { parseEntry, parseFeed, problemDetail, serviceCollections } from '../support/atom.js';
import type { TestResponse } from '../support/http.js';
import type { Target } from '../support/targets.js';

/**
 * The HTTP contract of the core issue, as one list of cases that runs unchanged through every
 * target: in-process, spawned CGI, lighttpd CGI, lighttpd-spawned FastCGI, `atommq serve
 * --fastcgi` behind lighttpd, and `atommq serve` over HTTP. Cases never assume an empty feed:
 * like a real consumer, each works from the position its own first publish returned.
 */
export interface ConformanceCase {
  readonly name: string;
  run(t: Target): Promise<void>;
}

const ENTRY_TYPE = 'application/atom+xml;type=entry';

/** The original AtomMQ's documented example, byte for byte as `curl -d` sends it. */
export const CURL_EXAMPLE = `<entry> <title>allo</title> <content type="xhtml">
  <div xmlns="http://www.w3.org/1999/xhtml" >an important message</div>
  </content> </entry>`;

function atomEntry(title: string, extra = ''): string {
  return `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title>${extra}</entry>`;
}

/** Publishes an Atom-namespaced entry and returns the 201 response. */
export async function publish(t: Target, title: string, extra = ''): Promise<TestResponse> {
  const response = await t.request('POST', t.feedPath, { headers: { 'Content-Type': ENTRY_TYPE }, body: atomEntry(title, extra) });
  assert.equal(response.status, 201, `POST ${title}: ${response.body}`);
  return response;
}

/** Turns an absolute link the server wrote into a path for `t.request`, checking its prefix. */
export function relativeTo(t: Target, href: string): string {
  const url = new URL(href);
  // Behind a web server on a non-default port, a link without the port points elsewhere (issue 14).
  if (t.origin !== undefined) assert.equal(url.origin, t.origin, `${href} does not carry the origin the client used`);
  assert.ok(url.pathname.startsWith(`${t.scriptPrefix}/`) || url.pathname === t.scriptPrefix, `${href} is not under ${t.scriptPrefix}`);
  if (t.scriptPrefix !== '') assert.ok(!url.pathname.startsWith(`${t.scriptPrefix}${t.scriptPrefix}`), `${href} doubles the prefix`);
  return url.pathname.slice(t.scriptPrefix.length) + url.search;
}

function assertProblem(response: TestResponse, status: number, detailPattern: RegExp): void {
  assert.equal(response.status, status, response.body);
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+xml/);
  const detail = problemDetail(response.body);
  assert.match(detail, detailPattern);
  assert.doesNotMatch(response.body, /\bat .*\.js:\d+/, 'no stack trace in the body');
}

export const CASES: readonly ConformanceCase[] = [
  {
    name: 'the original curl -d example (no namespace, form content type) publishes and reads back',
    async run(t) {
      const posted = await t.request('POST', t.feedPath, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: CURL_EXAMPLE });
      assert.equal(posted.status, 201, posted.body);
      assert.equal(posted.headers['content-type'], ENTRY_TYPE);
      assert.match(posted.headers['etag'] ?? '', /^".+"$/);
      const location = posted.headers['location'] ?? '';
      assert.match(location, /^http:\/\/[^/]+\//, 'Location is absolute');
      const entry = parseEntry(posted.body);
      assert.equal(entry.title, 'allo');
      assert.match(entry.id, /^urn:uuid:[0-9a-f-]{36}$/);
      assert.equal(entry.links['self'], location);
      assert.equal(entry.links['edit'], location);
      assert.equal(entry.contentType, 'xhtml');
      assert.match(posted.body, /<div xmlns="http:\/\/www.w3.org\/1999\/xhtml">an important message<\/div>/);
      const fetched = await t.request('GET', relativeTo(t, location));
      assert.equal(fetched.status, 200);
      assert.equal(fetched.headers['etag'], posted.headers['etag']);
      assert.equal(parseEntry(fetched.body).id, entry.id);
    },
  },
  {
    name: 'Xlastid, start_after, start_at and If-None-Match return only what follows',
    async run(t) {
      const first = await publish(t, 'cursor-0');
      const ids = [];
      for (const n of [1, 2, 3]) ids.push(parseEntry((await publish(t, `cursor-${n}`)).body).id);
      const firstId = parseEntry(first.body).id;
      const firstSeq = (first.headers['location'] ?? '').split('/').at(-1) ?? '';
      const expectAfter = async (response: TestResponse, expected: string[]): Promise<void> => {
        assert.equal(response.status, 200, response.body);
        assert.equal(response.headers['content-type'], 'application/atom+xml;type=feed');
        assert.deepEqual(parseFeed(response.body).entries.map((e) => e.id), expected);
      };
      await expectAfter(await t.request('GET', t.feedPath, { headers: { Xlastid: firstSeq } }), ids);
      await expectAfter(await t.request('GET', t.feedPath, { headers: { Xlastid: firstId } }), ids);
      await expectAfter(await t.request('GET', `${t.feedPath}?start_after=${encodeURIComponent(firstId)}`), ids);
      await expectAfter(await t.request('GET', `${t.feedPath}?start_at=${encodeURIComponent(ids[0] ?? '')}`), ids);
      await expectAfter(await t.request('GET', t.feedPath, { headers: { 'If-None-Match': first.headers['etag'] ?? '' } }), ids);
      await expectAfter(await t.request('GET', t.feedPath, { headers: { 'If-None-Match': `"${firstId}"` } }), ids);
    },
  },
  {
    name: 'If-None-Match with the latest ETag is a 304 until something new is published',
    async run(t) {
      const posted = await publish(t, 'poll-1');
      const etag = posted.headers['etag'] ?? '';
      const idle = await t.request('GET', t.feedPath, { headers: { 'If-None-Match': etag } });
      assert.equal(idle.status, 304);
      assert.equal(idle.body, '');
      assert.equal(idle.headers['etag'], etag);
      const next = await publish(t, 'poll-2');
      const fresh = await t.request('GET', t.feedPath, { headers: { 'If-None-Match': etag } });
      assert.equal(fresh.status, 200);
      assert.deepEqual(parseFeed(fresh.body).entries.map((e) => e.id), [parseEntry(next.body).id]);
      assert.equal(fresh.headers['etag'], next.headers['etag']);
    },
  },
  {
    name: 'an empty page still carries an ETag, so a consumer can poll from it',
    async run(t) {
      const posted = await publish(t, 'tail');
      const seq = (posted.headers['location'] ?? '').split('/').at(-1) ?? '';
      const empty = await t.request('GET', t.feedPath, { headers: { Xlastid: seq } });
      assert.equal(empty.status, 200);
      assert.equal(parseFeed(empty.body).entries.length, 0);
      assert.equal(empty.headers['etag'], posted.headers['etag']);
      assert.match(empty.headers['vary'] ?? '', /If-None-Match/);
      assert.match(empty.headers['vary'] ?? '', /Xlastid/);
    },
  },
  {
    name: 'limit pages the feed, and next links resume right after the last entry',
    async run(t) {
      const start = await publish(t, 'page-0');
      const expected = [];
      for (const n of [1, 2, 3, 4, 5]) expected.push(parseEntry((await publish(t, `page-${n}`)).body).id);
      const seen: string[] = [];
      let path: string | undefined = `${t.feedPath}?limit=2&start_after=${(start.headers['location'] ?? '').split('/').at(-1)}`;
      for (let pages = 0; path !== undefined && pages < 10; pages++) {
        const page = await t.request('GET', path);
        assert.equal(page.status, 200, page.body);
        const feed = parseFeed(page.body);
        assert.ok(feed.entries.length <= 2);
        seen.push(...feed.entries.map((e) => e.id));
        assert.ok(feed.links['self'] !== undefined);
        relativeTo(t, feed.links['self'] ?? '');
        path = feed.links['next'] === undefined ? undefined : relativeTo(t, feed.links['next']);
      }
      assert.deepEqual(seen, expected);
    },
  },
  {
    name: 'text, html and xhtml content, authors, categories and extensions are kept as sent',
    async run(t) {
      const extra = '<content>plain &lt;not markup&gt;</content><summary type="html">&lt;b&gt;bold&lt;/b&gt;</summary>' +
        '<author><name>Ann</name></author><category term="news"/><x:priority xmlns:x="urn:example:x">7</x:priority>';
      const posted = await publish(t, 'kept', extra);
      const entry = parseEntry(posted.body);
      assert.equal(entry.contentType, undefined, 'a content without type stays text, not base64');
      assert.match(posted.body, /<content>plain &lt;not markup&gt;<\/content>/);
      assert.match(posted.body, /<summary type="html">&lt;b&gt;bold&lt;\/b&gt;<\/summary>/);
      assert.match(posted.body, /<author><name>Ann<\/name><\/author>/);
      assert.doesNotMatch(posted.body, /<name>AtomMQ<\/name>/, 'no server author added when the client sent one');
      assert.match(posted.body, /<category term="news"\/>/);
      assert.match(posted.body, /<x:priority xmlns:x="urn:example:x">7<\/x:priority>/);
      const fetched = await t.request('GET', relativeTo(t, posted.headers['location'] ?? ''));
      assert.equal(fetched.body, posted.body);
    },
  },
  {
    name: 'the server owns atom:id, updated and the self/edit links',
    async run(t) {
      const posted = await publish(t, 'owned', '<id>urn:uuid:00000000-0000-0000-0000-000000000000</id><updated>1999-01-01T00:00:00Z</updated><link rel="self" href="http://evil.example/"/><link rel="alternate" href="http://example.org/a"/>');
      const entry = parseEntry(posted.body);
      assert.notEqual(entry.id, 'urn:uuid:00000000-0000-0000-0000-000000000000');
      assert.notEqual(entry.updated, '1999-01-01T00:00:00Z');
      assert.match(entry.updated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.equal(entry.links['self'], posted.headers['location']);
      assert.equal(entry.links['alternate'], 'http://example.org/a');
      assert.doesNotMatch(posted.body, /evil\.example/);
    },
  },
  {
    name: 'bad entries are 400s with a readable problem document',
    async run(t) {
      const post = (body: string): Promise<TestResponse> => t.request('POST', t.feedPath, { headers: { 'Content-Type': ENTRY_TYPE }, body });
      assertProblem(await post(''), 400, /empty/);
      assertProblem(await post('<entry><title>x</title>'), 400, /not well-formed/);
      assertProblem(await post('<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'.replace('feed', 'foo').replace('/feed', '/foo')), 400, /root element must be an Atom <entry>/);
      assertProblem(await post('<entry xmlns="http://www.w3.org/2005/Atom"><content>no title</content></entry>'), 400, /needs a <title>/);
      assertProblem(await post('<!DOCTYPE entry [<!ENTITY x SYSTEM "file:///etc/passwd">]><entry><title>&x;</title></entry>'), 400, /DOCTYPE/);
    },
  },
  {
    name: 'a body above the limit is a 413',
    async run(t) {
      const big = atomEntry('big', `<content>${'x'.repeat(1024 * 1024 + 10)}</content>`);
      assertProblem(await t.request('POST', t.feedPath, { headers: { 'Content-Type': ENTRY_TYPE }, body: big }), 413, /larger than the limit/);
    },
  },
  {
    name: 'unknown cursors and bad limits are 400s; an unknown If-None-Match is ignored',
    async run(t) {
      await publish(t, 'known');
      assertProblem(await t.request('GET', t.feedPath, { headers: { Xlastid: '999999999' } }), 400, /names no entry/);
      assertProblem(await t.request('GET', `${t.feedPath}?start_after=urn:uuid:00000000-0000-0000-0000-000000000000`), 400, /names no entry/);
      assertProblem(await t.request('GET', `${t.feedPath}?start_at=nonsense`), 400, /names no entry/);
      assertProblem(await t.request('GET', `${t.feedPath}?limit=0`), 400, /limit/);
      const ignored = await t.request('GET', `${t.feedPath}?limit=1`, { headers: { 'If-None-Match': '"no-such-tag"' } });
      assert.equal(ignored.status, 200);
      assert.equal(parseFeed(ignored.body).entries.length, 1);
    },
  },
  {
    name: 'unknown paths are 404, unsupported methods 405 with Allow, missing members 404',
    async run(t) {
      assertProblem(await t.request('GET', `${t.feedPath}/nowhere/at/all`), 404, /./);
      const put = await t.request('PUT', t.feedPath, { headers: { 'Content-Type': ENTRY_TYPE }, body: atomEntry('x') });
      assertProblem(put, 405, /not supported/);
      assert.match(put.headers['allow'] ?? '', /GET.*POST/);
      assertProblem(await t.request('GET', `${t.feedPath}/entries/987654321`), 404, /no entry/);
    },
  },
  {
    name: 'HEAD answers like GET without a body',
    async run(t) {
      await publish(t, 'head');
      const get = await t.request('GET', `${t.feedPath}?limit=1`);
      const head = await t.request('HEAD', `${t.feedPath}?limit=1`);
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
      assert.equal(head.headers['etag'], get.headers['etag']);
      assert.equal(head.headers['content-type'], get.headers['content-type']);
    },
  },
  {
    name: 'the service document lists the feed as a collection',
    async run(t) {
      await publish(t, 'service');
      const service = await t.request('GET', t.mode === 'single' ? '/service' : '/');
      assert.equal(service.status, 200, service.body);
      assert.equal(service.headers['content-type'], 'application/atomsvc+xml');
      const hrefs = serviceCollections(service.body);
      const feedView = `${t.feedPath === '' ? '/' : t.feedPath}?view=edited`;
      assert.ok(hrefs.some((href) => relativeTo(t, href) === feedView || relativeTo(t, href) === `${t.feedPath}?view=edited`), `${hrefs.join(' ')}`);
    },
  },
];
