import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CoreResponse } from '../../lib/core/response.js';
import { hasBody } from '../../lib/core/response.js';
import { AtomMQ } from '../../lib/index.js';
import { bodyOf, envFor } from '../support/env.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The HTML view, Vary and ETags of negotiated resources, the Origin check and CORS, in-process. */
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"><a href="javascript:window.__pwned=1">x</a><p style="position:fixed">`;

let dir = '';
let app: AtomMQ;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atommq-html-'));
  app = new AtomMQ({ dsn: `sqlite:${join(dir, 'bus.db')}`, pageSize: 2, allowedOrigins: ['https://app.example'] });
});
after(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer { readonly status: number; readonly text: string; header(name: string): string[] }

async function call(requestLine: string, headers: Record<string, string> = {}, body?: string | Uint8Array): Promise<Answer> {
  const request = envFor(requestLine, { headers, host: 'bus.example', ...(body === undefined ? {} : { body }) });
  const response: CoreResponse = await app.handle(request.env, bodyOf(request.body));
  return {
    status: response.status,
    text: hasBody(response) ? Buffer.from(response.body).toString('utf8') : '',
    header: (name) => response.headers.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v),
  };
}

const entry = (title: string, content: string): string => `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title><content type="html">${content}</content></entry>`;
const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('the HTML view', () => {
  it('is what a browser gets; Atom stays the answer for */* and no Accept', async () => {
    assert.equal((await call('POST /feeds/web', { 'Content-Type': 'application/atom+xml' }, entry(escapeXml(HOSTILE), escapeXml(HOSTILE)))).status, 201);
    assert.equal((await call('POST /feeds/web', { 'Content-Type': 'application/json' }, '{"order":42,"items":[1,2]}')).status, 201);
    assert.equal((await call('POST /feeds/web', { 'Content-Type': 'image/png' }, new Uint8Array([137, 80, 78, 71]))).status, 201);
    const page = await call('GET /feeds/web', { Accept: BROWSER });
    assert.equal(page.status, 200);
    assert.deepEqual(page.header('Content-Type'), ['text/html; charset=utf-8']);
    for (const accept of [undefined, '*/*']) {
      const atom = await call('GET /feeds/web', accept === undefined ? {} : { Accept: accept });
      assert.match(atom.header('Content-Type')[0] ?? '', /^application\/atom\+xml/);
    }
  });

  it('keeps publishers’ markup inert: escaped text, no inline script or style, a strict CSP', async () => {
    const page = await call('GET /feeds/web?start_after=0', { Accept: BROWSER });
    assert.ok(!page.text.includes('<script>'), 'no publisher script element');
    // Real tags start with '<'; the payload's own tags arrive as '&lt;' text.
    assert.doesNotMatch(page.text, /<img/i);
    assert.doesNotMatch(page.text, /<[^>]*\s(?:on\w+|style)=/i, 'no event or style attribute on any tag');
    assert.doesNotMatch(page.text, /<[^>]*href="javascript:/i, 'no javascript: link');
    assert.ok(page.text.includes('&lt;script&gt;window.__pwned=1&lt;/script&gt;'), 'the payload is shown as text');
    assert.deepEqual([...page.text.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]), ['<script src="http://bus.example/assets/atommq.js" defer>']);
    const csp = page.header('Content-Security-Policy')[0] ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.ok(!csp.includes('unsafe-inline'));
    assert.deepEqual(page.header('X-Content-Type-Options'), ['nosniff']);
  });

  it('pretty-prints JSON media, links other media, and pages with the feed cursors', async () => {
    const newest = await call('GET /feeds/web', { Accept: BROWSER });
    assert.ok(newest.text.includes('{\n  &quot;order&quot;: 42,'), 'JSON pretty-printed');
    assert.ok(newest.text.includes('href="http://bus.example/feeds/web/media/3">media resource (image/png)</a>'));
    assert.match(newest.text, /data-stream="http:\/\/bus.example\/feeds\/web"/, 'the newest page goes live');
    assert.match(newest.text, /href="http:\/\/bus.example\/feeds\/web\?start_after=0&amp;limit=2">← Older/);
    const older = await call('GET /feeds/web?start_after=0', { Accept: BROWSER });
    assert.ok(!older.text.includes('data-stream='), 'an older page does not');
    assert.match(older.text, /Newer messages/);
  });

  it('sends Vary: Accept on every negotiated resource and variant, cached and immutable ones included', async () => {
    const cases = ['GET /', 'GET /feeds/web', 'GET /feeds/web/entries/1', 'GET /feeds/web/archive/1'];
    for (const line of cases) {
      for (const accept of [BROWSER, '*/*']) {
        const answer = await call(line, { Accept: accept });
        assert.equal(answer.status, 200, `${line} ${accept}`);
        assert.ok(answer.header('Vary').some((v) => /\bAccept\b/.test(v)), `${line} as ${accept} varies on Accept`);
      }
    }
    assert.match((await call('GET /feeds/web/archive/1')).header('Cache-Control')[0] ?? '', /immutable/);
  });

  it('gives HTML its own weak ETag, which revalidates the page and is never a cursor', async () => {
    const page = await call('GET /feeds/web', { Accept: BROWSER });
    const etag = page.header('ETag')[0] ?? '';
    assert.match(etag, /^W\/"html-[0-9a-f]{16}"$/);
    const again = await call('GET /feeds/web', { Accept: BROWSER, 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.ok(again.header('Vary').some((v) => v.includes('Accept')));
    const atom = await call('GET /feeds/web', { 'If-None-Match': etag });
    assert.equal(atom.status, 200, 'the HTML ETag is ignored as a cursor');
    assert.equal((atom.text.match(/<entry/g) ?? []).length, 2, 'the first page of the log, from the start');
  });

  it('shows the service document and a member with its revisions’ place in the log', async () => {
    const service = await call('GET /', { Accept: BROWSER });
    assert.match(service.text, /<a href="http:\/\/bus.example\/feeds\/web">web<\/a><\/th>\n<td class="num">3<\/td>/);
    assert.equal((await call('PUT /feeds/web/entries/1', { 'Content-Type': 'application/atom+xml' }, entry('edited', 'new text'))).status, 200);
    const member = await call('GET /feeds/web/entries/1', { Accept: BROWSER });
    assert.match(member.text, /<h1>edited<\/h1>/);
    assert.match(member.text, /#1<\/a> first published/);
    assert.match(member.text, /#4<\/a> newest revision/);
  });

  it('serves its own script and style sheet, and nothing else, under /assets/', async () => {
    const script = await call('GET /assets/atommq.js');
    assert.equal(script.status, 200);
    assert.match(script.header('Content-Type')[0] ?? '', /^text\/javascript/);
    assert.equal((await call('GET /assets/atommq.css')).status, 200);
    assert.equal((await call('GET /assets/__proto__')).status, 404);
    assert.equal((await call('GET /assets/atommq.js', { 'If-None-Match': script.header('ETag')[0] ?? '' })).status, 304);
  });
});

describe('browsers as clients: Origin and CORS', () => {
  it('refuses a state-changing request from a foreign Origin with a 403, and stores nothing', async () => {
    const before = await call('GET /feeds/web');
    for (const [method, path] of [['POST', '/feeds/web'], ['PUT', '/feeds/web/entries/2'], ['DELETE', '/feeds/web/entries/2']] as const) {
      const answer = await call(`${method} ${path}`, { Origin: 'https://evil.example', 'Content-Type': 'application/atom+xml' }, entry('cross-site', 'x'));
      assert.equal(answer.status, 403, `${method} from a foreign origin`);
      assert.match(answer.text, /evil\.example/);
    }
    assert.equal((await call('POST /feeds/web', { Origin: 'null' }, entry('opaque', 'x'))).status, 403);
    assert.deepEqual((await call('GET /feeds/web')).header('ETag'), before.header('ETag'), 'nothing was stored');
  });

  it('lets requests without Origin, from its own origin and from allow-listed ones through', async () => {
    assert.equal((await call('POST /feeds/web', {}, entry('curl', 'x'))).status, 201);
    assert.equal((await call('POST /feeds/web', { Origin: 'http://bus.example' }, entry('own page', 'x'))).status, 201);
    assert.equal((await call('POST /feeds/web', { Origin: 'https://App.example/' }, entry('partner', 'x'))).status, 201);
  });

  it('opens GETs to allow-listed origins through CORS, and to no one else', async () => {
    const allowed = await call('GET /feeds/web', { Origin: 'https://app.example' });
    assert.deepEqual(allowed.header('Access-Control-Allow-Origin'), ['https://app.example']);
    assert.ok(allowed.header('Vary').includes('Origin'));
    const foreign = await call('GET /feeds/web', { Origin: 'https://evil.example' });
    assert.equal(foreign.status, 200);
    assert.deepEqual(foreign.header('Access-Control-Allow-Origin'), []);
  });
});
