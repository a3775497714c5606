import assert from 'node:assert/strict';
import { parseEntry, parseFeed, problemDetail } from '../support/atom.js';
import type { TestRequest, TestResponse } from '../support/http.js';
import type { Target } from '../support/targets.js';
import { assertStrictXml } from '../support/strict-xml.js';

/**
 * Issue 10's numbered examples, each a case that runs unchanged through the core, the spawned
 * CGI script, `atommq serve --fastcgi` behind lighttpd, and `atommq serve` over HTTP. Each
 * request is answered with a clear 4xx or stored and served correctly; the runner then checks
 * that the feed still reads, with expat, as namespace-well-formed XML.
 */
export interface CorrectnessCase {
  readonly name: string;
  run(t: Target): Promise<void>;
}

const ATOM = 'http://www.w3.org/2005/Atom';
const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

/** True for targets whose requests travel over a real HTTP connection (Node's client sends Latin-1). */
function isOverHttp(t: Target): boolean {
  return t.name !== 'core' && t.name !== 'cgi-spawn';
}

/**
 * Sends a request whose header values may hold any character. Over HTTP a value goes as its
 * UTF-8 bytes (what curl sends); a value with a control character cannot be sent by Node's
 * client at all, so such a request only runs in-process and through CGI (the hostile corpus
 * sends raw bytes over HTTP). Returns undefined when the target cannot carry it.
 */
export async function send(t: Target, method: string, path: string, options: TestRequest = {}): Promise<TestResponse | undefined> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (isOverHttp(t) && /[\0-\x08\x0a-\x1f\x7f]/.test(value)) return undefined;
    headers[name] = isOverHttp(t) ? Buffer.from(value, 'utf8').toString('latin1') : value;
  }
  return t.request(method, path, { ...options, headers });
}

function assert4xx(response: TestResponse | undefined, pattern: RegExp, what: string): void {
  if (response === undefined) return;
  assert.ok(response.status >= 400 && response.status < 500, `${what}: ${response.status} ${response.body.slice(0, 300)}`);
  assert.match(problemDetail(response.body), pattern, what);
}

function relative(t: Target, href: string): string {
  const url = new URL(href);
  return url.pathname.slice(t.scriptPrefix.length) + url.search;
}

/** A member's URI, its GET answering 200 with an entry expat reads; returns the entry document. */
async function assertMemberReads(t: Target, location: string): Promise<string> {
  const member = await t.request('GET', relative(t, location));
  assert.equal(member.status, 200, member.body.slice(0, 300));
  assertStrictXml([member.body], `GET ${location}`);
  return member.body;
}

export const CASES: readonly CorrectnessCase[] = [
  {
    name: '1. non-ASCII namespace prefixes (é, ß, α, 中, a·b) are stored under the server\'s prefixes; POST, PUT and batch',
    async run(t) {
      for (const prefix of ['é', 'ß', 'α', '中', 'a·b', 'é́']) {
        const body = `<${prefix}:entry xmlns:${prefix}="${ATOM}"><${prefix}:title>x</${prefix}:title><${prefix}:content>c</${prefix}:content></${prefix}:entry>`;
        const posted = await t.request('POST', t.feedPath, { headers: ENTRY, body });
        assert.equal(posted.status, 201, `${prefix}: ${posted.body.slice(0, 300)}`);
        assertStrictXml([posted.body], `the answer to ${prefix}`);
        const location = posted.headers['location'] ?? '';
        const put = await t.request('PUT', relative(t, location), { headers: ENTRY, body: body.replace('>x<', '>y<') });
        assert.equal(put.status, 200, put.body.slice(0, 300));
        assert.equal(parseEntry(await assertMemberReads(t, location)).title, 'y');
      }
      const batch = `<é:feed xmlns:é="${ATOM}" xmlns:ü="urn:u"><é:entry><é:title>b1</é:title><ü:x>1</ü:x></é:entry><é:entry><é:title>b2</é:title></é:entry></é:feed>`;
      const posted = await t.request('POST', t.feedPath, { headers: ENTRY, body: batch });
      assert.equal(posted.status, 201, posted.body.slice(0, 300));
      assertStrictXml([posted.body], 'the batch answer');
    },
  },
  {
    name: '2. a Slug or media type holding a character XML 1.0 forbids is a 400, percent-encoded or raw',
    async run(t) {
      const slugs = ['%0B', '%00', '%01', '%1F', '%EF%BF%BE', '%EF%BF%BF', '%ED%A0%80', '\ufffe', '\uffff', 'a\u000bb'];
      for (const slug of slugs) {
        assert4xx(await send(t, 'POST', t.feedPath, { headers: { 'Content-Type': 'application/json', Slug: slug }, body: '{}' }), /Slug/, `Slug ${JSON.stringify(slug)}`);
      }
      assert4xx(await send(t, 'POST', t.feedPath, { headers: { 'Content-Type': 'application/json; x="\ufffe"' }, body: '{}' }), /Content-Type/, 'U+FFFE in a media type');
      const fine = await send(t, 'POST', t.feedPath, { headers: { 'Content-Type': 'application/json', Slug: 'caf%C3%A9%20%F0%9F%9A%80' }, body: '{}' });
      assert.equal(fine?.status, 201, fine?.body.slice(0, 300));
      assert.equal(parseEntry(fine?.body ?? '').title, 'café 🚀');
    },
  },
  {
    name: '3. an undeclared prefix on an element or an attribute is a 400 (POST, PUT, batch)',
    async run(t) {
      const posted = await t.request('POST', t.feedPath, { headers: ENTRY, body: '<entry><title>ok</title></entry>' });
      assert.equal(posted.status, 201);
      const member = relative(t, posted.headers['location'] ?? '');
      for (const body of ['<entry><title>t</title><dc:subject>x</dc:subject></entry>', '<entry><title q:x="1">t</title></entry>']) {
        assert4xx(await t.request('POST', t.feedPath, { headers: ENTRY, body }), /prefix/, `POST ${body}`);
        assert4xx(await t.request('PUT', member, { headers: ENTRY, body }), /prefix/, `PUT ${body}`);
        assert4xx(await t.request('POST', t.feedPath, { headers: ENTRY, body: `<feed xmlns="${ATOM}">${body}</feed>` }), /prefix/, `batch ${body}`);
      }
    },
  },
  {
    name: '4. a media Content-Type outside visible ASCII is a 400; a valid one is stored in its RFC 9110 normal form, the same through every route',
    async run(t) {
      for (const type of ['application/json; x=€', 'application/json; x=\u000b', 'text/plain; charset=\u00e9', 'application/json\u0001', 'application json', 'application/json; x', 'application/json; x="open']) {
        assert4xx(await send(t, 'POST', t.feedPath, { headers: { 'Content-Type': type }, body: '{}' }), /Content-Type/, `Content-Type ${JSON.stringify(type)}`);
      }
      const posted = await t.request('POST', t.feedPath, { headers: { 'Content-Type': 'Application/JSON ;  Charset=utf-8 ; note="a \\"b\\" c"' }, body: '{"n":1}' });
      assert.equal(posted.status, 201, posted.body.slice(0, 300));
      const normal = 'application/json;charset=utf-8;note="a \\"b\\" c"';
      const entry = parseEntry(posted.body);
      assert.equal(entry.contentType, normal);
      const media = await t.request('GET', relative(t, entry.links['edit-media'] ?? ''));
      assert.equal(media.status, 200);
      assert.equal(media.headers['content-type'], normal);
      assert.equal(media.body, '{"n":1}');
    },
  },
  {
    name: '5. namespace amplification: 1,000 prefixes on a batch root are refused by count; declarations are copied only where used',
    async run(t) {
      const declarations = Array.from({ length: 1000 }, (_, i) => ` xmlns:p${i}="urn:example:namespace:${i}"`).join('');
      const entries = '<entry><title>n</title></entry>'.repeat(1000);
      assert4xx(await t.request('POST', t.feedPath, { headers: ENTRY, body: `<feed xmlns="${ATOM}"${declarations}>${entries}</feed>` }), /more than 64 attributes|more than 32 namespaces/, '1000 declarations');
      const few = Array.from({ length: 30 }, (_, i) => ` xmlns:p${i}="urn:example:namespace:${i}"`).join('');
      const body = `<feed xmlns="${ATOM}"${few}>${'<entry><title>n</title><p3:x/></entry>'.repeat(500)}</feed>`;
      const posted = await t.request('POST', t.feedPath, { headers: ENTRY, body });
      assert.equal(posted.status, 201, posted.body.slice(0, 300));
      assert.equal((posted.body.match(/xmlns:p3=/g) ?? []).length, 500, 'each entry declares the one namespace it uses');
      assert.doesNotMatch(posted.body, /xmlns:p4=/, 'unused declarations are dropped');
      assert.ok(Buffer.byteLength(posted.body) <= 4 * Buffer.byteLength(body) + 2048 * 500, 'the answer is bounded by the request');
    },
  },
  {
    name: '6. an entry without content is served as valid Atom (empty text content); the batch answer links to itself',
    async run(t) {
      const posted = await t.request('POST', t.feedPath, { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: '<entry><title>x</title></entry>' });
      assert.equal(posted.status, 201, posted.body);
      assert.equal(parseEntry(posted.body).contentType, 'text');
      assert.match(await assertMemberReads(t, posted.headers['location'] ?? ''), /<content type="text"\/>/);
      const batch = await t.request('POST', t.feedPath, { headers: ENTRY, body: `<feed xmlns="${ATOM}"><entry><title>a</title></entry><entry><title>b</title></entry></feed>` });
      assert.equal(batch.status, 201);
      const self = parseFeed(batch.body).links['self'];
      assert.ok(self !== undefined, 'a feed-level self link');
      const again = await t.request('GET', relative(t, self));
      assert.deepEqual(parseFeed(again.body).entries.map((e) => e.id), parseFeed(batch.body).entries.map((e) => e.id));
    },
  },
  {
    name: '7. edit-media: PUT replaces the bytes as a revision (If-Match → 412 when stale), DELETE is a tombstone, then both URIs are 410',
    async run(t) {
      const posted = await t.request('POST', t.feedPath, { headers: { 'Content-Type': 'image/png', Slug: 'picture' }, body: 'one' });
      assert.equal(posted.status, 201, posted.body.slice(0, 300));
      const entry = parseEntry(posted.body);
      const editMedia = relative(t, entry.links['edit-media'] ?? '');
      const current = await t.request('GET', editMedia);
      assert.equal(current.status, 200);
      assert.equal(current.headers['cache-control'], 'no-cache');
      assert.equal(current.headers['etag'], posted.headers['etag']);
      assert.equal((await t.request('PUT', editMedia, { headers: { 'Content-Type': 'image/png', 'If-Match': '"00000000.1"' }, body: 'x' })).status, 412);
      const put = await t.request('PUT', editMedia, { headers: { 'Content-Type': 'image/png', 'If-Match': current.headers['etag'] ?? '' }, body: 'two' });
      assert.equal(put.status, 204, put.body);
      const member = await t.request('GET', relative(t, entry.links['self'] ?? ''));
      const src = /<content type="image\/png" src="([^"]+)"/.exec(member.body)?.[1]?.replace(/&amp;/g, '&') ?? '';
      const revision = await t.request('GET', relative(t, src));
      assert.equal(revision.body, 'two');
      assert.match(revision.headers['cache-control'] ?? '', /immutable/);
      assert.equal((await t.request('GET', editMedia)).body, 'two');
      assert.equal((await t.request('DELETE', editMedia, { headers: { 'If-Match': put.headers['etag'] ?? '' } })).status, 200);
      assert.equal((await t.request('GET', editMedia)).status, 410);
      assert.equal((await t.request('GET', relative(t, src))).status, 410);
    },
  },
  {
    name: 'a Host longer than 255 characters is a 400: every absolute link repeats it',
    async run(t) {
      assert4xx(await t.request('GET', t.feedPath, { headers: { Host: `${'a'.repeat(300)}.example` } }), /Host/, 'a 308-character Host');
    },
  },
  {
    name: 'a problem document that quotes the request stays well-formed (forbidden characters become U+FFFD)',
    async run(t) {
      const answers = [
        await t.request('GET', `${t.feedPath}?limit=%EF%BF%BF%01`),
        await t.request('GET', `${t.feedPath}?start_after=%EF%BF%BE`),
        await t.request('GET', `${t.feedPath}/nothing%EF%BF%BF/here`),
        await send(t, 'GET', t.feedPath, { headers: { Host: 'bad\ufffehost/' } }),
      ].filter((r): r is TestResponse => r !== undefined);
      for (const answer of answers) assert.ok(answer.status >= 400 && answer.status < 500, `${answer.status} ${answer.body.slice(0, 200)}`);
      // Over HTTP a web server may answer some of these itself, in HTML; AtomMQ's own answers are XML.
      assertStrictXml(answers.filter((a) => /xml/.test(a.headers['content-type'] ?? '')).map((a) => a.body), 'problem documents');
    },
  },
  {
    name: '8. RFC 5005: the current document has prev-archive, and every page names it as current',
    async run(t) {
      // Enough rows for a complete window at the default page size.
      const rows = `<feed xmlns="${ATOM}">${'<entry><title>w</title></entry>'.repeat(1000)}</feed>`;
      assert.equal((await t.request('POST', t.feedPath, { headers: ENTRY, body: rows })).status, 201);
      const current = await t.request('GET', `${t.feedPath}?view=current`);
      assert.equal(current.status, 200);
      const feed = parseFeed(current.body);
      assert.ok(feed.links['prev-archive'] !== undefined, 'the feed holds more than one window by now');
      const archive = await t.request('GET', relative(t, feed.links['prev-archive'] ?? ''));
      assert.equal(archive.status, 200);
      assert.equal(parseFeed(archive.body).links['current'], feed.links['self']);
      assert.equal(parseFeed((await t.request('GET', t.feedPath)).body).links['current'], feed.links['self']);
      assertStrictXml([current.body, archive.body], 'current and its archive');
    },
  },
];
