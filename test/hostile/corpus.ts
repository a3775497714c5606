import type { HostileRequest, HostileResponse, HostileTargetName } from './targets.js';

/**
 * The hostile-input corpus of issue 7: one list of cases, each defined once and run through
 * every route by run.ts (the in-process core, `atommq serve --fastcgi` behind lighttpd, and
 * `atommq serve` over HTTP). One test file per kind runs that kind's cases.
 *
 * For every case run.ts checks, whatever the case: a 4xx (unless the case names other
 * statuses), a problem+xml body with a short readable detail when AtomMQ answered, no file
 * content and no stack trace in the answer, no injected header, no connection to the canary
 * listener, the same stored rows and the same feed afterwards, the server still answering a GET
 * and a POST, and the server's peak RSS within 100 MB of its start.
 */

/** The rows of issue 7's table. */
export type Kind = 'malformed-xml' | 'entities' | 'size' | 'transport' | 'names' | 'injection' | 'protocol';

/** What a case may use: the feed it attacks and the canary URL. */
export interface CaseContext {
  /** A feed holding entries, relative to the script: `/feeds/hostile`. */
  readonly feedPath: string;
  /** An http:// URL on the canary listener. */
  readonly canaryUrl: string;
}

/** One hostile request, and what must come of it besides the checks every case gets. */
export interface HostileCase {
  readonly kind: Kind;
  readonly name: string;
  request(ctx: CaseContext): HostileRequest;
  /** Statuses AtomMQ may answer; by default any 4xx. A 201 means one entry was published. */
  readonly status?: readonly number[];
  /**
   * Statuses besides a 4xx that a web server in front may answer by itself, such as lighttpd's
   * 501 for a method it does not know. AtomMQ itself never answers a 5xx to hostile input.
   */
  readonly webServerStatus?: readonly number[];
  /** What the problem detail must say when AtomMQ refused the request. */
  readonly detail?: RegExp;
  /** The routes this case applies to, and why not the others (printed as the skip reason). */
  readonly only?: { readonly targets: readonly HostileTargetName[]; readonly reason: string };
  /** Why a route over HTTP may give no answer at all (the client left first). */
  readonly unanswered?: string;
  /** Known failures whose fix lies outside the files this corpus may change, per route. */
  readonly todo?: Partial<Record<HostileTargetName, string>>;
  /** The longest the answer may take, in milliseconds, for cases about amplification. */
  readonly maxMs?: number;
  /** Case-specific checks of the answer. */
  check?(response: HostileResponse, ctx: CaseContext): void;
}

const ATOM = 'http://www.w3.org/2005/Atom';
const MiB = 1024 * 1024;
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const entry = (inner: string): string => `<entry xmlns="${ATOM}">${inner}</entry>`;
const titled = (title: string, extra = ''): string => entry(`<title>${title}</title>${extra}`);
const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}): HostileRequest =>
  ({ method: 'POST', path, headers: { 'Content-Type': 'application/atom+xml;type=entry', ...headers }, body: typeof body === 'string' ? utf8(body) : body });
const get = (path: string, headers: Record<string, string> = {}): HostileRequest => ({ method: 'GET', path, headers });

/** `count` copies of one buffer: a big body without a big allocation in the test. */
function* repeated(head: Uint8Array, chunk: Uint8Array, count: number, tail: Uint8Array): Iterable<Uint8Array> {
  yield head;
  for (let i = 0; i < count; i += 1) yield chunk;
  yield tail;
}

const ONE_MIB_OF_TEXT = new Uint8Array(MiB).fill(0x61);
const NOT_WELL_FORMED = /not well-formed XML/;
const LEFT = 'the client went away before an answer could reach it';
const DOCTYPE_REFUSED = /DOCTYPE are refused/;
const TOO_LARGE = /larger than the limit of 1048576 bytes/;

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE entry [
  <!ENTITY lol "lol">
  ${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n  ')}
]>
<entry xmlns="${ATOM}"><title>&lol9;</title></entry>`;

/** One 200 kB entity referenced 4,000 times: 800 MB once expanded, from a 216 kB body. */
const QUADRATIC_BLOWUP = `<?xml version="1.0"?>
<!DOCTYPE entry [<!ENTITY a "${'a'.repeat(200_000)}">]>
<entry xmlns="${ATOM}"><title>q</title><content>${'&a;'.repeat(4_000)}</content></entry>`;

const malformed: HostileCase[] = [
  { kind: 'malformed-xml', name: 'malformed XML (mismatched tags)', request: (c) => post(c.feedPath, '<entry><title>x</titl></entry>'), status: [400], detail: NOT_WELL_FORMED },
  { kind: 'malformed-xml', name: 'malformed XML (an unquoted attribute and a stray <)', request: (c) => post(c.feedPath, entry('<title type=text>a < b</title>')), status: [400], detail: NOT_WELL_FORMED },
  { kind: 'malformed-xml', name: 'malformed XML (a character reference to NUL)', request: (c) => post(c.feedPath, titled('&#0;')), status: [400], detail: NOT_WELL_FORMED },
  { kind: 'malformed-xml', name: 'malformed XML (an undefined entity)', request: (c) => post(c.feedPath, titled('&nbsp;')), status: [400], detail: NOT_WELL_FORMED },
  { kind: 'malformed-xml', name: 'truncated XML', request: (c) => post(c.feedPath, titled('half', '<content>cut he')), status: [400], detail: NOT_WELL_FORMED },
  { kind: 'malformed-xml', name: 'an empty body', request: (c) => post(c.feedPath, ''), status: [400], detail: /empty/ },
  { kind: 'malformed-xml', name: 'invalid UTF-8 (a lone continuation byte)', request: (c) => post(c.feedPath, Buffer.concat([Buffer.from(`<entry xmlns="${ATOM}"><title>`), Buffer.from([0x80]), Buffer.from('</title></entry>')])), status: [400], detail: /not valid UTF-8/ },
  { kind: 'malformed-xml', name: 'invalid UTF-8 (an overlong "/")', request: (c) => post(c.feedPath, Buffer.concat([Buffer.from(`<entry xmlns="${ATOM}"><title>..`), Buffer.from([0xc0, 0xaf]), Buffer.from('etc</title></entry>')])), status: [400], detail: /not valid UTF-8/ },
  { kind: 'malformed-xml', name: 'invalid UTF-8 (an encoded UTF-16 surrogate)', request: (c) => post(c.feedPath, Buffer.concat([Buffer.from(`<entry xmlns="${ATOM}"><title>`), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('</title></entry>')])), status: [400], detail: /not valid UTF-8/ },
  // The BOM decision. A UTF-8 byte order mark before a well-formed UTF-8 entry is legal XML (XML
  // 1.0 §4.3.3, appendix F) and the README promises to accept it, so that case is a 201. A
  // UTF-16 BOM is a claim about the encoding that the body does not keep (UTF-8 bytes after it),
  // or a UTF-16 body, which AtomMQ does not take: both are 400, as is a BOM before garbage or a
  // second BOM, which XML does not allow inside the prolog.
  { kind: 'malformed-xml', name: 'a UTF-8 BOM before a valid entry is legal XML and is published', request: (c) => post(c.feedPath, `\ufeff${titled('bom')}`), status: [201], check: (r) => assertIncludes(r.body, '<title>bom</title>') },
  { kind: 'malformed-xml', name: 'a UTF-16LE BOM before UTF-8 bytes', request: (c) => post(c.feedPath, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(titled('x'))])), status: [400], detail: /not valid UTF-8/ },
  { kind: 'malformed-xml', name: 'a UTF-16 document with its BOM', request: (c) => post(c.feedPath, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(titled('x'), 'utf16le')])), status: [400], detail: /not valid UTF-8/ },
  { kind: 'malformed-xml', name: 'a UTF-8 BOM before garbage', request: (c) => post(c.feedPath, '\ufeffnot xml at all'), status: [400], detail: NOT_WELL_FORMED },
  { kind: 'malformed-xml', name: 'two UTF-8 BOMs', request: (c) => post(c.feedPath, `\ufeff\ufeff${titled('x')}`), status: [400], detail: NOT_WELL_FORMED },
  // An Atom feed is a batch (issue 5); one without entries publishes nothing and is refused.
  { kind: 'malformed-xml', name: 'a non-entry root element (an Atom feed without entries)', request: (c) => post(c.feedPath, `<feed xmlns="${ATOM}"><title>x</title></feed>`), status: [400], detail: /batch feed holds no entries/ },
  { kind: 'malformed-xml', name: 'a non-entry root element (an RSS document)', request: (c) => post(c.feedPath, '<rss version="2.0"><channel><title>x</title></channel></rss>'), status: [400], detail: /root element must be an Atom <entry>, not <rss>/ },
  { kind: 'malformed-xml', name: 'a non-entry root element (an entry in another namespace)', request: (c) => post(c.feedPath, '<entry xmlns="urn:evil"><title>x</title></entry>'), status: [400], detail: /root element must be an Atom <entry>/ },
  { kind: 'malformed-xml', name: 'a non-entry root element (an entry put in no namespace by xmlns="", which crashed libxmljs2)', request: (c) => post(c.feedPath, '<entry xmlns=""><title>x</title></entry>'), status: [400], detail: /root element must be an Atom <entry>/ },
  { kind: 'malformed-xml', name: 'an entry without a title', request: (c) => post(c.feedPath, entry('<content>no title</content>')), status: [400], detail: /needs a <title>/ },
  { kind: 'malformed-xml', name: 'an entry whose only title is taken out of the Atom namespace by xmlns=""', request: (c) => post(c.feedPath, '<entry><title xmlns="">x</title></entry>'), status: [400], detail: /needs a <title>/ },
];

const entities: HostileCase[] = [
  { kind: 'entities', name: 'an external entity that tries to read /etc/passwd', request: (c) => post(c.feedPath, `<?xml version="1.0"?><!DOCTYPE entry [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><entry xmlns="${ATOM}"><title>&xxe;</title></entry>`), status: [400], detail: DOCTYPE_REFUSED },
  { kind: 'entities', name: 'an external entity with a bare path, in an attribute', request: (c) => post(c.feedPath, `<!DOCTYPE entry [<!ENTITY xxe SYSTEM "/etc/passwd">]><entry xmlns="${ATOM}"><title>x</title><link href="&xxe;"/></entry>`), status: [400], detail: DOCTYPE_REFUSED },
  { kind: 'entities', name: 'an external entity that tries an http://127.0.0.1 URL', request: (c) => post(c.feedPath, `<!DOCTYPE entry [<!ENTITY xxe SYSTEM "${c.canaryUrl}">]><entry xmlns="${ATOM}"><title>&xxe;</title></entry>`), status: [400], detail: DOCTYPE_REFUSED },
  { kind: 'entities', name: 'an external parameter entity that tries an http://127.0.0.1 URL', request: (c) => post(c.feedPath, `<!DOCTYPE entry [<!ENTITY % remote SYSTEM "${c.canaryUrl}"> %remote;]><entry xmlns="${ATOM}"><title>x</title></entry>`), status: [400], detail: DOCTYPE_REFUSED },
  { kind: 'entities', name: 'an external DTD subset on http://127.0.0.1', request: (c) => post(c.feedPath, `<!DOCTYPE entry SYSTEM "${c.canaryUrl}"><entry xmlns="${ATOM}"><title>x</title></entry>`), status: [400], detail: DOCTYPE_REFUSED },
  { kind: 'entities', name: 'the billion laughs', request: (c) => post(c.feedPath, BILLION_LAUGHS), status: [400], detail: DOCTYPE_REFUSED },
  { kind: 'entities', name: 'the quadratic blowup', request: (c) => post(c.feedPath, QUADRATIC_BLOWUP), status: [400], detail: DOCTYPE_REFUSED },
  { kind: 'entities', name: 'a DTD', request: (c) => post(c.feedPath, `<!DOCTYPE entry><entry xmlns="${ATOM}"><title>x</title></entry>`), status: [400], detail: DOCTYPE_REFUSED },
  { kind: 'entities', name: 'a DTD with attribute defaults, after a BOM, a comment and a PI', request: (c) => post(c.feedPath, `\ufeff<?xml version="1.0"?><!-- c --><?pi x?>\n<!DOCTYPE entry [<!ATTLIST title type CDATA "html">]><entry xmlns="${ATOM}"><title>&lt;b&gt;</title></entry>`), status: [400], detail: DOCTYPE_REFUSED },
  {
    kind: 'entities',
    name: 'an XInclude of /etc/passwd and of http://127.0.0.1 is stored as an inert foreign element',
    request: (c) => post(c.feedPath, titled('xi', `<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${c.canaryUrl}"/>`)),
    status: [201],
    check: (r) => assertIncludes(r.body, 'href="file:///etc/passwd" parse="text"/>'),
  },
  {
    kind: 'entities',
    name: 'a <!DOCTYPE inside CDATA content is text, not a DTD, and is published',
    request: (c) => post(c.feedPath, titled('html', '<content type="html"><![CDATA[<!DOCTYPE html><p>hi</p>]]></content>')),
    status: [201],
    // The stored form keeps the text, not the CDATA spelling (README: stored form).
    check: (r) => assertIncludes(r.body, '&lt;!DOCTYPE html>&lt;p>hi&lt;/p>'),
  },
];

const size: HostileCase[] = [
  { kind: 'size', name: '100,000-deep nesting', request: (c) => post(c.feedPath, titled('deep', `${'<x>'.repeat(100_000)}${'</x>'.repeat(100_000)}`)), status: [400], detail: /nest deeper than 100 levels/ },
  {
    kind: 'size',
    name: 'a 50 MB text node',
    request: (c) => {
      const head = utf8(`<entry xmlns="${ATOM}"><title>big</title><content>`);
      const tail = utf8('</content></entry>');
      return { method: 'POST', path: c.feedPath, body: () => repeated(head, ONE_MIB_OF_TEXT, 50, tail), contentLength: head.byteLength + 50 * MiB + tail.byteLength };
    },
    status: [413],
    detail: TOO_LARGE,
  },
  {
    kind: 'size',
    name: 'a body far above the limit with an honest Content-Length',
    request: (c) => ({ method: 'POST', path: c.feedPath, body: () => repeated(new Uint8Array(0), ONE_MIB_OF_TEXT, 16, new Uint8Array(0)), contentLength: 16 * MiB }),
    status: [413],
    detail: TOO_LARGE,
  },
  {
    kind: 'size',
    name: 'a body far above the limit with a lying, small Content-Length',
    // Over HTTP the server reads the 100 bytes announced and takes the rest for a next request,
    // which is garbage: either answer is a 4xx, and nothing is stored.
    request: (c) => ({ method: 'POST', path: c.feedPath, body: () => repeated(utf8(titled('lie')), ONE_MIB_OF_TEXT, 16, new Uint8Array(0)), contentLength: 100 }),
    status: [400, 413],
    unanswered: 'the bytes after the announced 100 are a malformed next request, and Node resets the connection on it',
    detail: /longer than its CONTENT_LENGTH|not well-formed|larger than the limit/,
  },
  {
    kind: 'size',
    name: 'a Content-Length far above the limit with only a few bytes behind it',
    request: (c) => ({ ...post(c.feedPath, titled('few')), contentLength: 64 * MiB, answerWithinMs: 5_000 }),
    status: [413],
    detail: TOO_LARGE,
  },
  {
    kind: 'size',
    name: 'a lying CONTENT_LENGTH above the bytes sent (the body ends early)',
    request: (c) => ({ ...post(c.feedPath, titled('short')), contentLength: 5_000 }),
    status: [400],
    detail: /ended after \d+ of the 5000 bytes/,
    only: { targets: ['core'], reason: 'over HTTP a body shorter than its Content-Length is a client that leaves mid-body (the transport cases)' },
  },
  { kind: 'size', name: 'a CONTENT_LENGTH that is not a number', request: (c) => ({ ...post(c.feedPath, titled('nan')), contentLength: -1 }), status: [400], detail: /CONTENT_LENGTH is not a number/ },
];

const transport: HostileCase[] = [
  {
    kind: 'transport',
    name: 'a chunked body holding a valid entry is published',
    request: (c) => ({ method: 'POST', path: c.feedPath, chunked: true, body: () => [utf8(`<entry xmlns="${ATOM}"><title>`), utf8('chunked'), utf8('</title></entry>')] }),
    status: [201],
    check: (r) => assertIncludes(r.body, '<title>chunked</title>'),
  },
  {
    kind: 'transport',
    name: 'a chunked body that grows past the limit (60 MB)',
    request: (c) => ({ method: 'POST', path: c.feedPath, chunked: true, body: () => repeated(utf8(`<entry xmlns="${ATOM}"><title>x</title><content>`), ONE_MIB_OF_TEXT, 60, utf8('</content></entry>')) }),
    status: [413],
    detail: TOO_LARGE,
  },
  {
    kind: 'transport',
    name: 'a client that disconnects mid-body',
    request: (c) => ({ method: 'POST', path: c.feedPath, body: utf8(`<entry xmlns="${ATOM}"><title>half`), contentLength: 100_000, disconnectAfterBody: true }),
    status: [400],
    detail: /could not be read/,
    unanswered: LEFT,
  },
  {
    kind: 'transport',
    name: 'a client that disconnects mid-way through a chunked body',
    request: (c) => ({ method: 'POST', path: c.feedPath, chunked: true, body: () => [utf8(titled('chunked-half'))], disconnectAfterBody: true }),
    status: [400],
    detail: /could not be read/,
    unanswered: LEFT,
  },
  {
    kind: 'transport',
    name: 'a client that disconnects after the headers, before any body byte',
    request: (c) => ({ method: 'POST', path: c.feedPath, body: new Uint8Array(0), contentLength: 500, disconnectAfterBody: true }),
    status: [400],
    detail: /could not be read/,
    unanswered: LEFT,
  },
];

const NO_SUCH_FEED = /no such feed: names are 1-128 characters|nothing lives at/;

const names: HostileCase[] = [
  // Through lighttpd, `..` is a dot-segment that the web server removes (RFC 3986 §5.2.4)
  // before AtomMQ sees the path: the POST lands on the service document, which is a 405.
  { kind: 'names', name: 'a feed named ..', request: (c) => post('/feeds/..', titled('x')), status: [404, 405], detail: /no such feed|not supported here/ },
  { kind: 'names', name: 'a feed named %2E%2E', request: () => post('/feeds/%2E%2E', titled('x')), status: [404, 405], detail: /no such feed|not supported here/ },
  {
    kind: 'names',
    name: 'a feed name that climbs with .. to /etc/passwd',
    request: () => get('/feeds/../../../../../../etc/passwd'),
    status: [404],
    detail: /nothing lives at/,
  },
  {
    kind: 'names',
    name: 'a path that climbs with .. out of the script into the web server\'s document root',
    // Through lighttpd the path becomes /lighttpd.conf, outside the three AtomMQ prefixes, which
    // the example denies; its document root is an empty directory, never the state directory.
    request: () => get('/../lighttpd.conf'),
    status: [404],
    detail: /nothing lives at/,
    check: (r) => assertExcludes(r.body, 'atommq_state'),
  },
  { kind: 'names', name: 'a feed name holding %2F', request: () => post('/feeds/a%2Fb', titled('x')), status: [404], detail: NO_SUCH_FEED },
  { kind: 'names', name: 'a feed name holding NUL (%00)', request: () => post('/feeds/a%00b', titled('x')), status: [404], detail: NO_SUCH_FEED },
  { kind: 'names', name: 'a unicode feed name', request: () => post(`/feeds/${encodeURIComponent('日本語-ñ')}`, titled('x')), status: [404], detail: NO_SUCH_FEED },
  { kind: 'names', name: 'a unicode feed name that lower-cases to ASCII (KELVIN SIGN)', request: () => post(`/feeds/${encodeURIComponent('\u212Aelvin')}`, titled('x')), status: [404], detail: NO_SUCH_FEED },
  { kind: 'names', name: 'a feed name of 10,000 characters', request: () => post(`/feeds/${'n'.repeat(10_000)}`, titled('x')), status: [404], detail: NO_SUCH_FEED },
  { kind: 'names', name: 'a feed name of 129 characters, one over the limit', request: () => post(`/feeds/${'n'.repeat(129)}`, titled('x')), status: [404], detail: NO_SUCH_FEED },
  { kind: 'names', name: 'a feed name starting with a dot', request: () => post('/feeds/.hidden', titled('x')), status: [404], detail: NO_SUCH_FEED },
];

const SQL = ["'; DROP TABLE atommq_entry; --", '1 OR 1=1', "1; DELETE FROM atommq_entry", "' OR '1'='1", '1) UNION SELECT xml FROM atommq_entry --'];

const injection: HostileCase[] = [
  ...SQL.map((sql, i): HostileCase => ({
    kind: 'injection',
    name: `a ${i % 2 === 0 ? 'start_after' : 'start_at'} cursor holding SQL (${sql})`,
    request: (c) => get(`${c.feedPath}?${i % 2 === 0 ? 'start_after' : 'start_at'}=${encodeURIComponent(sql)}`),
    status: [400],
    detail: /names no entry of this feed/,
  })),
  { kind: 'injection', name: 'an Xlastid cursor holding SQL', request: (c) => get(c.feedPath, { Xlastid: "0' OR 1=1; DROP TABLE atommq_entry; --" }), status: [400], detail: /Xlastid names no entry/ },
  // An If-None-Match the server does not recognise is ignored, as in AtomBus (see the README):
  // the whole feed, unchanged, is the right answer.
  { kind: 'injection', name: 'an If-None-Match holding SQL is ignored', request: (c) => get(c.feedPath, { 'If-None-Match': "\"x' OR 1=1; DROP TABLE atommq_entry; --\"" }), status: [200] },
  { kind: 'injection', name: 'a limit holding SQL', request: (c) => get(`${c.feedPath}?limit=${encodeURIComponent('1; DROP TABLE atommq_entry')}`), status: [400], detail: /limit must be a positive integer/ },
  { kind: 'injection', name: 'a member key holding SQL', request: (c) => get(`${c.feedPath}/entries/${encodeURIComponent("1' OR '1'='1")}`), status: [404], detail: /has no entry/ },
  { kind: 'injection', name: 'a feed name holding SQL', request: () => post(`/feeds/${encodeURIComponent("x'; DROP TABLE atommq_entry; --")}`, titled('x')), status: [404], detail: NO_SUCH_FEED },
  { kind: 'injection', name: 'a feed name holding %0D%0A and a header', request: () => post('/feeds/a%0D%0AX-Injected:%201', titled('x')), status: [404], detail: NO_SUCH_FEED },
  // RFC 5023 §9.7: Slug is only a hint, and AtomMQ names members itself, so a valid entry with
  // any Slug is published; what matters is that nothing of the Slug reaches a response header.
  { kind: 'injection', name: 'a Slug holding a percent-encoded CR/LF and a header', request: (c) => post(c.feedPath, titled('slug-encoded'), { Slug: 'a%0D%0AX-Injected:%201' }), status: [201] },
  {
    kind: 'injection',
    name: 'a Slug holding CR/LF and a header',
    // Over HTTP a raw CR/LF ends the Slug line: X-Injected arrives as a request header of its
    // own. The core gets the CR/LF inside the value, as a broken web server could pass it.
    request: (c) => ({ ...post(c.feedPath, titled('slug-crlf')), rawHeaderLines: ['Slug: a', 'X-Injected: 1'], coreEnv: { HTTP_SLUG: 'a\r\nX-Injected: 1' } }),
    status: [201],
  },
  // Recorded: a bare CR in a header is a 400 from lighttpd and from Node; obs-fold is unfolded
  // into one Slug value by lighttpd and refused with a 400 by Node.
  { kind: 'injection', name: 'a Slug holding a bare CR', request: (c) => ({ ...post(c.feedPath, titled('slug-cr')), rawHeaderLines: ['Slug: a\rX-Injected: 1'], coreEnv: { HTTP_SLUG: 'a\rX-Injected: 1' } }), status: [201] },
  { kind: 'injection', name: 'a Slug folded onto a second line (obs-fold)', request: (c) => ({ ...post(c.feedPath, titled('slug-fold')), rawHeaderLines: ['Slug: a', ' X-Injected: 1'], coreEnv: { HTTP_SLUG: 'a X-Injected: 1' } }), status: [201] },
  {
    kind: 'injection',
    name: 'a Host holding CR/LF and a header, which every link is built from',
    request: (c) => ({ ...post(c.feedPath, titled('host')), rawHeaderLines: ['Host: a.example/x?'], coreEnv: { HTTP_HOST: 'a.example\r\nX-Injected: 1' } }),
    status: [400],
    detail: /Host header is not a valid host/,
  },
  {
    kind: 'injection',
    name: 'two Host header lines',
    // RFC 9112 §3.2: more than one Host line is a 400. Node's parser keeps the first and drops
    // the rest; the adapter passes both on, as it does for any repeated header, and the core
    // refuses the combined value. The core gets that combined value as a web server would.
    request: (c) => ({ ...post(c.feedPath, titled('hosts')), rawHeaderLines: ['Host: a.example', 'Host: b.example'], coreEnv: { HTTP_HOST: 'a.example, b.example' } }),
    status: [400],
    detail: /Host header is not a valid host/,
  },
];

const protocol: HostileCase[] = [
  // RFC 9110 §9.1 and §15.6.2: a method the server does not recognise is a 501. Recorded:
  // lighttpd answers BREW with 501 itself, Node's HTTP parser with 400, and the core, which
  // does see it, with 405 and Allow (RFC 9110 §15.5.6). Only the web server may answer 501.
  // PROPFIND and TRACE reach AtomMQ through both web servers and are 405.
  { kind: 'protocol', name: 'an unknown method (BREW)', request: (c) => ({ method: 'BREW', path: c.feedPath }), status: [405], webServerStatus: [501], detail: /BREW is not supported here/ },
  { kind: 'protocol', name: 'a WebDAV method (PROPFIND)', request: (c) => ({ method: 'PROPFIND', path: c.feedPath }), status: [405], detail: /PROPFIND is not supported here/ },
  { kind: 'protocol', name: 'TRACE', request: (c) => ({ method: 'TRACE', path: c.feedPath, headers: { Cookie: 'secret=1' } }), status: [405], detail: /TRACE is not supported here/, check: (r) => assertExcludes(r.body, 'secret=1') },
  // The core has no header-size limit of its own: an env is as large as the web server lets it
  // be. A 100 kB header the core does read (Xlastid) is a 400 with a short detail; over HTTP the
  // web server refuses the request first (431).
  { kind: 'protocol', name: 'a 100 kB header', request: (c) => get(c.feedPath, { Xlastid: 'x'.repeat(100 * 1024) }), status: [400], detail: /Xlastid names no entry/ },
  {
    kind: 'protocol',
    name: '100 kB of headers in 1,000 fields',
    request: (c) => ({ method: 'GET', path: c.feedPath, rawHeaderLines: Array.from({ length: 1_000 }, (_, i) => `X-Filler-${i}: ${'f'.repeat(90)}`) }),
    only: { targets: ['serve-fastcgi', 'serve-http'], reason: 'header size is the web server\'s limit; the core reads an env' },
  },
  {
    kind: 'protocol',
    name: 'a 100 kB If-None-Match of 50,000 unknown tags answers quickly',
    // cursor.ts looks at the first 8 tags only, so 50,000 unknown tags cost 8 lookups, not
    // 50,000. Over HTTP the web server's header limit caps the header anyway.
    request: (c) => get(c.feedPath, { 'If-None-Match': 'a,'.repeat(50_000) }),
    status: [200],
    maxMs: 1_000,
    only: { targets: ['core'], reason: 'over HTTP the web server refuses a 100 kB header with 431 before AtomMQ sees it' },
  },
];

/** Every case, in the order of issue 7's table. */
export const CORPUS: readonly HostileCase[] = [...malformed, ...entities, ...size, ...transport, ...names, ...injection, ...protocol];

function assertIncludes(text: string, part: string): void {
  if (!text.includes(part)) throw new Error(`expected the answer to include ${JSON.stringify(part)}: ${text.slice(0, 400)}`);
}

function assertExcludes(text: string, part: string): void {
  if (text.includes(part)) throw new Error(`the answer must not include ${JSON.stringify(part)}: ${text.slice(0, 200)}`);
}
