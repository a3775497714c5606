import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import libxml from 'libxmljs2';
import type { Element, Node } from 'libxmljs2';
import { AtomMQ } from '../lib/index.js';
import type { CgiEnv, CoreResponse } from '../lib/index.js';
import { hasBody, headerValue } from '../lib/core/response.js';
import { acceptEntry } from '../lib/xml/entry-wire.js';
import { parseEntry } from './support/atom.js';

/**
 * Issue 7's two property tests, with fast-check, a fixed seed and a bounded number of runs:
 * 1. any entry the server accepts is stored in a form that is a fixed point of
 *    parse → serialize, and that means the same in the entry document and in the feed;
 * 2. for any env and body, handle() resolves, never throws and never answers 5xx.
 */

const ATOM = 'http://www.w3.org/2005/Atom';
const SEED = 20_070_007;
const UTF8 = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Generators of well-formed, acceptable entries.

/** Characters XML 1.0 allows (§2.2), from any code point fast-check draws. */
const xmlText = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, ''));
const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
const text = xmlText.map(escapeText);
const attr = xmlText.map(escapeAttr);
/** Text for a comment or a PI: no `--`, no `?>`, no trailing `-`. */
const inertText = xmlText.map((s) => s.replace(/-+/g, '-').replace(/\?>/g, '? >').replace(/-$/, ''));
const space = fc.constantFrom('', ' ', '\n  ', '\t');

type RootForm = 'default' | 'none' | 'prefixed';

/** The name of an Atom element in the chosen form of the entry. */
function atomName(form: RootForm, local: string): string {
  return form === 'prefixed' ? `a:${local}` : local;
}

function textConstruct(form: RootForm, local: string): fc.Arbitrary<string> {
  const name = atomName(form, local);
  return fc.oneof(
    text.map((t) => `<${name}>${t}</${name}>`),
    text.map((t) => `<${name} type="text">${t}</${name}>`),
    text.map((t) => `<${name} type="html">&lt;b&gt;${t}&lt;/b&gt;</${name}>`),
    fc.tuple(text, text).map(([t, u]) => `<${name} type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">${t}<b class="c">${u}</b><br/></div></${name}>`),
  );
}

function person(form: RootForm, local: 'author' | 'contributor'): fc.Arbitrary<string> {
  const n = (l: string): string => atomName(form, l);
  return fc.tuple(text, fc.option(attr), fc.option(text)).map(([name, uri, email]) =>
    `<${n(local)}><${n('name')}>${name}</${n('name')}>${uri === null ? '' : `<${n('uri')}>${uri}</${n('uri')}>`}${email === null ? '' : `<${n('email')}>${email}</${n('email')}>`}</${n(local)}>`);
}

function childElement(form: RootForm): fc.Arbitrary<string> {
  const n = (l: string): string => atomName(form, l);
  return fc.oneof(
    textConstruct(form, 'summary'),
    textConstruct(form, 'rights'),
    fc.oneof(
      textConstruct(form, 'content'),
      fc.tuple(attr, fc.constantFrom('image/png', 'application/octet-stream')).map(([src, type]) => `<${n('content')} type="${type}" src="${src}"/>`),
      fc.tuple(text, fc.constantFrom('application/json', 'text/plain')).map(([t, type]) => `<${n('content')} type="${type}">${t}</${n('content')}>`),
    ),
    fc.tuple(attr, fc.option(attr), fc.option(attr)).map(([term, scheme, label]) =>
      `<${n('category')} term="${term}"${scheme === null ? '' : ` scheme="${scheme}"`}${label === null ? '' : ` label="${label}"`}/>`),
    fc.tuple(fc.constantFrom('alternate', 'related', 'enclosure', 'via', 'self', 'edit', 'edit-media', 'SELF'), attr, fc.option(attr)).map(([rel, href, title]) =>
      `<${n('link')} rel="${rel}" href="${href}"${title === null ? '' : ` title="${title}"`}/>`),
    person(form, 'author'),
    person(form, 'contributor'),
    // Elements only the server sets: they are dropped, whatever the client sent.
    text.map((t) => `<${n('id')}>${t}</${n('id')}>`),
    text.map((t) => `<${n('updated')}>${t}</${n('updated')}>`),
    text.map((t) => `<app:edited xmlns:app="http://www.w3.org/2007/app">${t}</app:edited>`),
    // Foreign markup (RFC 4287 §6): kept exactly.
    text.map((t) => `<dc:subject xmlns:dc="http://purl.org/dc/elements/1.1/">${t}</dc:subject>`),
    fc.tuple(attr, attr, text).map(([a, b, t]) => `<x:ext xmlns:x="urn:example:ext" x:a="${a}" b="${b}"><x:inner>${t}</x:inner><![CDATA[${t.replace(/]]>/g, '')}]]></x:ext>`),
    fc.tuple(attr, text).map(([a, t]) => `<plain xmlns="" note="${a}">${t}<deeper>${t}</deeper></plain>`),
    inertText.map((t) => `<!--${t}-->`),
    inertText.map((t) => `<?note ${t}?>`),
  );
}

/** A well-formed Atom entry that AtomMQ accepts, in one of three namespace forms. */
const acceptableEntry: fc.Arbitrary<string> = fc.constantFrom<RootForm>('default', 'none', 'prefixed').chain((form) =>
  fc.tuple(
    fc.constantFrom('', '\ufeff', '<?xml version="1.0" encoding="UTF-8"?>\n', '\ufeff<?xml version="1.0"?><!-- before -->'),
    fc.constantFrom('', ' xml:lang="en"', ' xml:lang="fr-CA" xml:base="http://example.org/b/"'),
    textConstruct(form, 'title'),
    fc.array(fc.tuple(space, childElement(form)), { maxLength: 6 }),
    space,
  ).map(([prolog, rootAttrs, title, children, trailing]) => {
    const open = form === 'default' ? `<entry xmlns="${ATOM}"${rootAttrs}>` : form === 'none' ? `<entry${rootAttrs}>` : `<a:entry xmlns:a="${ATOM}"${rootAttrs}>`;
    const close = form === 'prefixed' ? '</a:entry>' : '</entry>';
    return `${prolog}${open}${title}${children.map(([s, c]) => s + c).join('')}${trailing}${close}`;
  }));

// ---------------------------------------------------------------------------------------------
// Generators of anything at all: envs and bodies a broken client or web server could send.

const fragment = fc.constantFrom(
  '<entry>', '</entry>', `<entry xmlns="${ATOM}">`, '<entry xmlns="">', `<a:entry xmlns:a="${ATOM}">`, '</a:entry>', '<title>', '</title>',
  '<title xmlns="">', '<author>', '<name>', '</name>', '</author>', '<content type="xhtml">', '<div>', '</div>', '</content>',
  '<link rel="self" href="x"/>', '<id>x</id>', '<x:e xmlns:x="urn:x"/>', ' xmlns=""', ' xmlns:xml="http://www.w3.org/XML/1998/namespace"',
  ' xmlns:xmlns="urn:bad"', ` xmlns:a="${ATOM}"`, '<!DOCTYPE entry>', '<!ENTITY x "y">', '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>',
  '<?pi?>', '\ufeff', '&amp;', '&#0;', '&#x1F600;', '&x;', '"', "'", '<', '>', '=', ' ', '\n', '\u0000', '\uFFFE',
);
const xmlish = fc.array(fc.oneof({ weight: 4, arbitrary: fragment }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) }), { maxLength: 30 }).map((parts) => parts.join(''));

/** Entries with odd namespace declarations: the corner where libxmljs2 once crashed the process. */
const oddEntry = fc.tuple(
  fc.constantFrom('entry', 'a:entry', 'atom:entry', 'feed'),
  fc.subarray([' xmlns=""', ` xmlns="${ATOM}"`, ' xmlns:a="urn:other"', ` xmlns:a="${ATOM}"`, ` xmlns:atom="${ATOM}"`, ' xmlns:xml="http://www.w3.org/XML/1998/namespace"', ' xml:lang="en"']),
  fc.array(fc.oneof(
    childElement('none'),
    childElement('prefixed'),
    fc.constantFrom('<title>t</title>', '<title xmlns="">t</title>', '<a:title>t</a:title>', `<atom:title xmlns:atom="${ATOM}">t</atom:title>`,
      '<author xmlns=""><name>n</name></author>', '<author><name xmlns="">n</name></author>', '<source><title>s</title></source>'),
  ), { maxLength: 5 }),
).map(([name, attrs, children]) => `<${name}${attrs.join('')}>${children.join('')}</${name}>`);

const bodyBytes = fc.oneof(
  { weight: 2, arbitrary: oddEntry.map((s) => UTF8.encode(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 3, arbitrary: xmlish.map((s) => UTF8.encode(s)) },
  { weight: 2, arbitrary: acceptableEntry.map((s) => UTF8.encode(s)) },
);

const pathSegment = fc.oneof(
  fc.constantFrom('feeds', 'prop', 'Prop', 'entries', 'media', 'service', '1', '2', '0', '-1', '99999999999999999999', '..', '.', '', '%2F', '\0', '日本', '\r\nX-Injected: 1', "'; DROP TABLE atommq_entry; --", 'n'.repeat(200)),
  fc.string({ maxLength: 10 }),
);
/** Paths of the resources that exist, in single-feed or multi-feed mode, and anything else. */
function pathInfo(singleFeed: boolean): fc.Arbitrary<string> {
  const routes = singleFeed ? ['', '/', '/entries/1', '/entries/2', '/service', '/entries/1/media'] : ['/', '/feeds/prop', '/feeds/prop/', '/feeds/prop/entries/1', '/feeds/prop/entries/2', '/feeds/Prop', '/feeds/other'];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...routes) },
    { weight: 2, arbitrary: fc.array(pathSegment, { maxLength: 5 }).map((segments) => `/${segments.join('/')}`) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  );
}
const queryString = fc.oneof(
  fc.constant(''),
  fc.array(fc.tuple(fc.constantFrom('start_after', 'start_at', 'limit', 'view', 'before', 'wait', 'x'), fc.oneof(fc.constantFrom('0', '1', '-1', '1e3', '"x.1"', '%ZZ', '', "'--"), fc.string({ maxLength: 10 }))), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
const anyString = fc.string({ unit: 'binary', maxLength: 20 });
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

/** An env and a body, and how the body arrives (chunking, and a client that may leave). */
const anyRequest = fc.boolean().chain((singleFeed) => fc.record({
  singleFeed: fc.constant(singleFeed),
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constant('POST') },
    { weight: 3, arbitrary: fc.constant('GET') },
    { weight: 2, arbitrary: fc.constantFrom('HEAD', 'PUT', 'DELETE', 'OPTIONS', 'BREW', 'get', '') },
    { weight: 1, arbitrary: anyString },
  ),
  pathInfo: pathInfo(singleFeed),
  queryString,
  scriptName: maybe(fc.oneof(fc.constantFrom('', '/', '/bus', '/cgi-bin/mycoolfeed'), anyString)),
  host: fc.oneof(
    { weight: 6, arbitrary: fc.constant('localhost') },
    { weight: 2, arbitrary: maybe(fc.constantFrom('bus.example:8080', '[::1]:5000', 'a\r\nX-Injected: 1', 'evil/x?', '')) },
    { weight: 1, arbitrary: anyString },
  ),
  headers: fc.record({
    HTTP_XLASTID: maybe(fc.oneof(fc.constantFrom('0', '1', '"abc.1"', "1' OR '1'='1"), anyString)),
    HTTP_IF_NONE_MATCH: maybe(fc.oneof(fc.constantFrom('*', '"x"', 'W/"a.1", "b"', ','), anyString)),
    HTTP_IF_MATCH: maybe(fc.oneof(fc.constantFrom('*', '"x"'), anyString)),
    HTTP_PREFER: maybe(fc.oneof(fc.constantFrom('wait=5', 'wait=0', 'return=minimal, wait="3"', 'wait=999999999'), anyString)),
    HTTP_IDEMPOTENCY_KEY: maybe(fc.oneof(fc.constantFrom('k1', 'k2', '\r\nX-Injected: 1', ''), anyString)),
    HTTP_SLUG: maybe(fc.oneof(fc.constantFrom('a%0D%0Ab', 'a\r\nX-Injected: 1', 'ñ'), anyString)),
    CONTENT_TYPE: maybe(fc.oneof(fc.constantFrom('application/atom+xml;type=entry', 'application/xml', 'text/plain', 'image/png', ';;', ''), anyString)),
    HTTPS: maybe(fc.constantFrom('on', 'off', '1')),
    REQUEST_SCHEME: maybe(fc.oneof(fc.constantFrom('http', 'https'), anyString)),
    SERVER_NAME: maybe(fc.oneof(fc.constantFrom('localhost', '::1'), anyString)),
    SERVER_PORT: maybe(fc.oneof(fc.constantFrom('80', '443', '8080'), anyString)),
  }),
  body: bodyBytes,
  contentLength: fc.oneof(
    { weight: 6, arbitrary: fc.constant<'honest'>('honest') },
    { weight: 2, arbitrary: fc.constant<'absent'>('absent') },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('-1', '0', '5', '99999999999999999999', 'abc'), anyString) },
  ),
  chunkSize: fc.integer({ min: 1, max: 64 }),
  clientLeaves: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
}));

type GeneratedRequest = typeof anyRequest extends fc.Arbitrary<infer T> ? T : never;

/** Half the runs publish any body to a feed that exists, so the XML path is explored hard. */
const request: fc.Arbitrary<GeneratedRequest> = fc.oneof(
  anyRequest,
  fc.tuple(anyRequest, fc.boolean()).map(([r, singleFeed]): GeneratedRequest => ({
    ...r,
    singleFeed,
    method: 'POST',
    pathInfo: singleFeed ? '/' : '/feeds/prop',
    host: 'localhost',
    contentLength: r.clientLeaves ? 'honest' : r.contentLength === 'absent' ? 'absent' : 'honest',
    headers: { ...r.headers, CONTENT_TYPE: r.headers.CONTENT_TYPE === 'image/png' ? 'image/png' : 'application/atom+xml;type=entry' },
  })),
);

function envOf(r: GeneratedRequest): CgiEnv {
  const env: Record<string, string | undefined> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: r.method,
    PATH_INFO: r.pathInfo,
    QUERY_STRING: r.queryString,
    SCRIPT_NAME: r.scriptName,
    HTTP_HOST: r.host,
    ...r.headers,
  };
  if (r.contentLength === 'honest') env['CONTENT_LENGTH'] = String(r.body.byteLength);
  else if (r.contentLength !== 'absent') env['CONTENT_LENGTH'] = r.contentLength;
  return env;
}

async function* chunked(bytes: Uint8Array, size: number, leaves: boolean): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
  if (leaves) throw new Error('aborted');
}

// ---------------------------------------------------------------------------------------------
// Helpers that read what the server wrote.

function isElement(node: Node): node is Element {
  return node.type() === 'element';
}

/**
 * A canonical text of an element: namespace URIs instead of prefixes, attributes sorted,
 * declarations left out. Two serializations that mean the same XML give the same text.
 */
function canonical(node: Node): string {
  if (!isElement(node)) return node.toString();
  const attrs = node.attrs().map((a) => `{${a.namespace()?.href() ?? ''}}${a.name()}=${JSON.stringify(a.value())}`).sort();
  return `<{${node.namespace()?.href() ?? ''}}${node.name()} ${attrs.join(' ')}>${node.childNodes().map(canonical).join('')}</>`;
}

function bodyText(response: CoreResponse): string {
  return hasBody(response) ? Buffer.from(response.body).toString('utf8') : '';
}

describe('property tests', () => {
  let dir = '';
  let multi: AtomMQ | undefined;
  let single: AtomMQ | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atommq-property-'));
    const dsn = `sqlite:${join(dir, 'property.db')}`;
    // No long poll may hold a run: a `wait` is parsed and checked, then capped to 0 s.
    multi = new AtomMQ({ dsn, maxWaitSeconds: 0 });
    single = new AtomMQ({ dsn, feed: 'prop', maxWaitSeconds: 0 });
  });
  after(async () => {
    await multi?.close();
    await single?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function publish(app: AtomMQ, xml: string): Promise<CoreResponse> {
    const body = UTF8.encode(xml);
    const env: CgiEnv = { REQUEST_METHOD: 'POST', PATH_INFO: '/feeds/roundtrip', HTTP_HOST: 'localhost', CONTENT_LENGTH: String(body.byteLength) };
    return app.handle(env, chunked(body, 1 << 16, false));
  }

  it('any accepted entry is stored as a fixed point of parse → serialize, and reads the same in the feed', async () => {
    if (multi === undefined) throw new Error('not started');
    const app = multi;
    await fc.assert(fc.asyncProperty(acceptableEntry, async (xml) => {
      // The stored form is a fixed point: accepting it again changes nothing.
      const stored = await acceptEntry(UTF8.encode(xml), 'AtomMQ');
      const again = await acceptEntry(UTF8.encode(stored.xml), 'AtomMQ');
      assert.equal(again.xml, stored.xml);

      // Through the server: POST it, POST back the entry document it answered, and the second
      // answer is the first, but for what the server assigns (id, times, member URI).
      const first = await publish(app, xml);
      assert.equal(first.status, 201, bodyText(first));
      const firstText = bodyText(first);
      const second = await publish(app, firstText);
      assert.equal(second.status, 201, bodyText(second));
      const [a, b] = [parseEntry(firstText), parseEntry(bodyText(second))];
      const secondText = bodyText(second).split(b.id).join(a.id).split(b.updated).join(a.updated).split(b.links['self'] ?? '').join(a.links['self'] ?? '');
      assert.equal(secondText, firstText);

      // The entry document and the same entry inside the feed mean the same XML.
      const seq = (a.links['self'] ?? '').split('/').pop() ?? '';
      const feed = await app.handle({ REQUEST_METHOD: 'GET', PATH_INFO: '/feeds/roundtrip', QUERY_STRING: `start_at=${seq}&limit=1`, HTTP_HOST: 'localhost' }, chunked(new Uint8Array(0), 1, false));
      assert.equal(feed.status, 200);
      const inFeed = libxml.parseXml(bodyText(feed)).get<Element>('/a:feed/a:entry', { a: ATOM });
      const standalone = libxml.parseXml(firstText).root();
      assert.ok(inFeed !== null && inFeed !== undefined && standalone !== null, 'both documents hold the entry');
      assert.equal(canonical(inFeed), canonical(standalone));
    }), { seed: SEED, numRuns: 200 });
  });

  it('for any env and body, handle() resolves, never throws and never answers 5xx', async () => {
    const apps = { multi, single };
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const app = r.singleFeed ? apps.single : apps.multi;
      if (app === undefined) throw new Error('not started');
      const response = await app.handle(envOf(r), chunked(r.body, r.chunkSize, r.clientLeaves));
      assert.ok(response.status < 500, `${response.status}: ${bodyText(response)}`);
      for (const [name, value] of response.headers) {
        assert.doesNotMatch(`${name}: ${value}`, /[\r\n\0]/, 'CR, LF or NUL in a response header');
        assert.doesNotMatch(name, /injected/i);
      }
      const length = headerValue(response.headers, 'Content-Length');
      if (hasBody(response) && length !== undefined && r.method.toUpperCase() !== 'HEAD') assert.equal(Number(length), response.body.byteLength);
      if (!hasBody(response)) assert.equal(headerValue(response.headers, 'Content-Type'), undefined, '204 and 304 carry no Content-Type');
    }), { seed: SEED, numRuns: 300 });
  });
});
