import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CoreResponse } from '../../lib/core/response.js';
import { hasBody } from '../../lib/core/response.js';
import { AtomMQ } from '../../lib/index.js';
import { runCgi } from '../support/cgi.js';
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
    assert.ok(newest.text.includes('href="http://bus.example/feeds/web/media/3?revision=3">media resource (image/png)</a>'));
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

  it('serves publishers’ media sandboxed, so HTML or SVG the feed page links to never runs as this origin', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1"><script>window.__pwned=2</script></svg>';
    for (const [type, body] of [['text/html', HOSTILE], ['image/svg+xml', svg], ['image/png', '\x89PNG']] as const) {
      const posted = await call('POST /feeds/media', { 'Content-Type': type }, body);
      assert.equal(posted.status, 201);
      const media = await call(`GET /feeds/media/media/${(posted.header('Location')[0] ?? '').split('/').pop() ?? ''}`);
      assert.equal(media.status, 200);
      assert.deepEqual(media.header('Content-Type'), [type], 'the bytes keep their type');
      assert.match(media.header('Content-Security-Policy')[0] ?? '', /(?:^|;\s*)sandbox(?:;|$)/, `${type} is sandboxed: no script, an opaque origin`);
      assert.deepEqual(media.header('X-Content-Type-Options'), ['nosniff']);
    }
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

  it('counts a scheme’s default port as no port, as a browser’s Origin does (RFC 6454 §6.2)', async () => {
    const post = async (host: string, origin: string, https = false): Promise<number> => {
      const request = envFor('POST /feeds/web', { host, headers: { Origin: origin, 'Content-Type': 'application/atom+xml' }, body: entry('behind a proxy', 'x') });
      return (await app.handle(https ? { ...request.env, HTTPS: 'on' } : request.env, bodyOf(request.body))).status;
    };
    assert.equal(await post('bus.example:80', 'http://bus.example'), 201, 'a proxy that sends Host with :80');
    assert.equal(await post('bus.example:443', 'https://bus.example', true), 201, 'and with :443 over TLS');
    assert.equal(await post('bus.example:80', 'http://bus.example:8080'), 403, 'another port is another origin');
    assert.equal(await post('bus.example:443', 'http://bus.example', true), 403, 'another scheme is another origin');
  });

  it('opens GETs to allow-listed origins through CORS, and to no one else', async () => {
    const allowed = await call('GET /feeds/web', { Origin: 'https://app.example' });
    assert.deepEqual(allowed.header('Access-Control-Allow-Origin'), ['https://app.example']);
    assert.ok(allowed.header('Vary').includes('Origin'));
    const foreign = await call('GET /feeds/web', { Origin: 'https://evil.example' });
    assert.equal(foreign.status, 200);
    assert.deepEqual(foreign.header('Access-Control-Allow-Origin'), []);
  });

  it('lets an allow-listed page read error answers too: it can tell a 404 or a 400 from a network failure', async () => {
    for (const [line, headers] of [['GET /feeds/missing', {}], ['GET /feeds/web', { Accept: 'text/event-stream', 'Last-Event-ID': 'nonsense' }]] as const) {
      const answer = await call(line, { ...headers, Origin: 'https://app.example' });
      assert.ok(answer.status === 404 || answer.status === 400, `${line}: ${answer.status}`);
      assert.deepEqual(answer.header('Access-Control-Allow-Origin'), ['https://app.example'], `${line} is readable cross-origin`);
    }
    assert.deepEqual((await call('GET /feeds/missing', { Origin: 'https://evil.example' })).header('Access-Control-Allow-Origin'), []);
    // A 503 says when to retry; Retry-After is not a CORS-safelisted response header (Fetch §3.2.4).
    const exposed = (await call('GET /feeds/web', { Origin: 'https://app.example' })).header('Access-Control-Expose-Headers')[0] ?? '';
    assert.ok(exposed.split(/,\s*/).includes('Retry-After'), exposed);
  });

  it('says Vary: Origin on answers without CORS headers too, so a cache cannot hand them to an allowed page', async () => {
    // Fetch standard §3.2.5: a year-long cached archive fetched without Origin would otherwise
    // be served to an allow-listed page, which then cannot read it.
    for (const line of ['GET /feeds/web/archive/1', 'GET /feeds/web', 'HEAD /feeds/web/media/3']) {
      for (const headers of [{}, { Origin: 'https://evil.example' }]) {
        const answer = await call(line, headers);
        assert.equal(answer.status, 200, line);
        assert.ok(answer.header('Vary').includes('Origin'), `${line} ${JSON.stringify(headers)} varies on Origin`);
      }
    }
  });
});

describe('the CGI script and the allow-list', () => {
  it('reads ATOMMQ_ALLOW_ORIGINS, as it reads ATOMMQ_DSN and ATOMMQ_AUTH, so a CGI or FastCGI deployment can open CORS', async () => {
    const extra = { ATOMMQ_DSN: `sqlite:${join(dir, 'cgi.db')}`, ATOMMQ_ALLOW_ORIGINS: 'https://app.example' };
    const post = envFor('POST /', { headers: { Origin: 'https://app.example', 'Content-Type': 'application/atom+xml' }, body: entry('from a partner page', 'x') });
    assert.equal((await runCgi(post.env, post.body, extra)).status, 201, 'the listed origin may post');
    const get = envFor('GET /', { headers: { Origin: 'https://app.example' } });
    assert.equal((await runCgi(get.env, get.body, extra)).headers['access-control-allow-origin'], 'https://app.example');
  });
});
