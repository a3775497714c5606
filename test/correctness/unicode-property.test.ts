import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_CONFIG } from '../../lib/core/deps.js';
import type { Deps } from '../../lib/core/deps.js';
import { handle } from '../../lib/core/handle.js';
import { hasBody, headerValue } from '../../lib/core/response.js';
import { LazyStore } from '../../lib/storage/lazy-store.js';
import { bodyOf, envFor } from '../support/env.js';
import { HAS_STRICT_PARSER, strictParseErrors } from '../support/strict-xml.js';
import { IS_CI } from '../support/tools.js';

/**
 * Issue 10's property: entries, batches, Slugs and media types drawn from the whole Unicode
 * range (any XML name or prefix, control characters, non-characters, surrogate byte sequences,
 * many namespace declarations). For every input the answer is 2xx or 4xx; after a 2xx the
 * member and the feed page holding it parse with expat, namespaces on; and the stored bytes are
 * at most 4 × the request's bytes + 2 KB per entry. A fixed seed in `npm test`;
 * `ATOMMQ_PROPERTY_RUNS=20000 ATOMMQ_PROPERTY_SEED=random` for a long run by hand.
 */
const RUNS = Number(process.env['ATOMMQ_PROPERTY_RUNS'] ?? 300);
const SEED = process.env['ATOMMQ_PROPERTY_SEED'] === 'random' ? Date.now() : 20_261_201;
const ATOM = 'http://www.w3.org/2005/Atom';
const FEED = 'unicode';

/** Any code point, lone surrogates included, biased towards the characters that matter for names and XML. */
const anyChar = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 1 },
  { arbitrary: fc.constantFrom('\u000b', '\u0000', '\ufffe', '\uffff', '\ud800', '\u{1f600}', '\u{10000}', '\u0085', ':', '-', '.', '0', '\u0301', '\u00b7'), weight: 1 },
  { arbitrary: fc.constantFrom(...'abcxyz_éßα中ДשׁالΩ'.split('')), weight: 40 },
);
const anyName = fc.array(anyChar, { minLength: 1, maxLength: 6 }).map((chars) => chars.join(''));
const anyText = fc.array(anyChar, { maxLength: 12 }).map((chars) => chars.join('').replace(/&/g, '&amp;').replace(/</g, '&lt;'));
const anyUri = fc.oneof(fc.constant('urn:x'), fc.constant(ATOM), anyText.map((t) => `urn:${t.replace(/"/g, '')}`));

/** One entry element, with arbitrary prefixes, names, declarations and text. */
const anyEntry = fc.record({
  prefix: fc.option(anyName, { nil: undefined }),
  title: anyText,
  extraPrefix: anyName,
  extraLocal: anyName,
  extraUri: anyUri,
  attribute: anyName,
  value: anyText.map((t) => t.replace(/"/g, '&quot;')),
  body: anyText,
  declarations: fc.oneof({ arbitrary: fc.nat({ max: 4 }), weight: 4 }, { arbitrary: fc.nat({ max: 40 }), weight: 1 }),
  undeclared: fc.nat(4).map((n) => n === 0),
}).map((e) => {
  const p = e.prefix === undefined ? '' : `${e.prefix}:`;
  const atomDecl = e.prefix === undefined ? ` xmlns="${ATOM}"` : ` xmlns:${e.prefix}="${ATOM}"`;
  const decls = Array.from({ length: e.declarations }, (_, i) => ` xmlns:d${i}="urn:d:${i}"`).join('');
  const extraDecl = e.undeclared ? '' : ` xmlns:${e.extraPrefix}="${e.extraUri}"`;
  return `<${p}entry${atomDecl}${decls}><${p}title>${e.title}</${p}title><${e.extraPrefix}:${e.extraLocal}${extraDecl} ${e.extraPrefix}:${e.attribute}="${e.value}">${e.body}</${e.extraPrefix}:${e.extraLocal}></${p}entry>`;
});

const anyBody = fc.oneof(
  anyEntry.map((entry) => ({ body: entry, entries: 1 })),
  fc.array(anyEntry, { minLength: 1, maxLength: 5 }).map((entries) => ({ body: `<feed xmlns="${ATOM}">${entries.map((e) => e.replace(/^<(\S*?)entry xmlns="[^"]*"/, '<$1entry')).join('')}</feed>`, entries: entries.length })),
);

/** Bytes to send: the text as UTF-8, sometimes with a surrogate's UTF-8 bytes (ED A0 80) spliced in. */
const anyBytes = fc.tuple(anyBody, fc.nat(9).map((n) => n === 0), fc.nat()).map(([doc, surrogate, at]) => {
  const bytes = Buffer.from(doc.body, 'utf8');
  if (!surrogate) return { bytes, entries: doc.entries };
  const cut = at % bytes.length;
  return { bytes: Buffer.concat([bytes.subarray(0, cut), Buffer.from([0xed, 0xa0, 0x80]), bytes.subarray(cut)]), entries: doc.entries };
});

const anyMedia = fc.record({
  type: fc.oneof(anyText, fc.constantFrom('application/json', 'text/plain; charset=utf-8'), anyText.map((t) => `application/json; x="${t}"`)),
  slug: fc.option(fc.oneof(anyText, anyText.map((t) => encodeURIComponent(t.replace(/[\ud800-\udfff]/g, ''))), fc.constantFrom('%0B', '%00', '%EF%BF%BE', '%ED%A0%80')), { nil: undefined }),
});

interface Served { readonly input: string; readonly documents: string[] }

describe('issue 10 property: any Unicode input is refused with a 4xx or stored in a form every parser reads', { skip: HAS_STRICT_PARSER ? false : 'python3 (expat) is not installed' }, () => {
  if (IS_CI && !HAS_STRICT_PARSER) throw new Error('python3 is needed, and CI=true');
  let dir: string;
  let deps: Deps;
  const logged: string[] = [];
  const served: Served[] = [];
  /** How often each kind of refusal came, printed at the end to show what the generators reach. */
  const refusals = new Map<string, number>();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atommq-unicode-'));
    deps = { store: new LazyStore(`sqlite:${join(dir, 'bus.db')}`), config: DEFAULT_CONFIG, now: () => new Date(), newUuid: randomUUID, logError: (m) => logged.push(m) };
  });
  after(async () => {
    await deps.store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function call(line: string, headers: Record<string, string>, body: Uint8Array = new Uint8Array(0)): Promise<{ status: number; text: string; location: string | undefined }> {
    const { env } = envFor(line, { headers, body });
    const response = await handle(env, bodyOf(body), deps);
    const text = hasBody(response) ? Buffer.from(response.body).toString('utf8') : '';
    if (response.status >= 400) {
      const reason = (/<detail>(.*?)<\/detail>/s.exec(text)?.[1] ?? '').replace(/^entry \d+ of the batch: /, '').replace(/[^a-z ]+.*$/si, '').slice(0, 40);
      refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
    }
    return { status: response.status, text, location: headerValue(response.headers, 'Location') };
  }

  /** After a 2xx: checks the stored size, and keeps the member and its feed page for expat. */
  async function afterCreated(input: string, requestBytes: number, entries: number, location: string | undefined): Promise<void> {
    const first = Number((location ?? '').split('/').at(-1));
    const feed = await deps.store.findFeed(FEED);
    assert.ok(feed !== undefined && first > 0, `no feed or member for ${input}`);
    const stored = await deps.store.readAfter(feed.id, first - 1, entries);
    const storedBytes = stored.reduce((sum, row) => sum + Buffer.byteLength(row.xml), 0);
    assert.ok(storedBytes <= 4 * requestBytes + 2048 * entries, `stored ${storedBytes} bytes for a ${requestBytes}-byte request: ${input}`);
    const member = await call(`GET /feeds/${FEED}/entries/${first}`, {});
    const page = await call(`GET /feeds/${FEED}?start_after=${first - 1}&limit=${entries}`, {});
    assert.equal(member.status, 200, member.text);
    assert.equal(page.status, 200, page.text);
    served.push({ input, documents: [member.text, page.text] });
  }

  it('entries and batches', async () => {
    await fc.assert(fc.asyncProperty(anyBytes, async ({ bytes, entries }) => {
      const answer = await call(`POST /feeds/${FEED}`, { 'Content-Type': 'application/atom+xml' }, bytes);
      const input = JSON.stringify(bytes.toString('utf8'));
      assert.ok(answer.status === 201 || (answer.status >= 400 && answer.status < 500), `${answer.status} for ${input}: ${answer.text.slice(0, 300)}`);
      if (answer.status === 201) await afterCreated(input, bytes.byteLength, entries, answer.location);
    }), { seed: SEED, numRuns: RUNS });
  });

  it('media resources: Slugs and media types', async () => {
    await fc.assert(fc.asyncProperty(anyMedia, async ({ type, slug }) => {
      const headers: Record<string, string> = { 'Content-Type': type, ...(slug === undefined ? {} : { Slug: slug }) };
      const body = Buffer.from('{}');
      const answer = await call(`POST /feeds/${FEED}`, headers, body);
      const input = JSON.stringify(headers);
      assert.ok(answer.status === 201 || (answer.status >= 400 && answer.status < 500), `${answer.status} for ${input}: ${answer.text.slice(0, 300)}`);
      if (answer.status !== 201) return;
      await afterCreated(input, body.byteLength + Buffer.byteLength(type) + Buffer.byteLength(slug ?? ''), 1, answer.location);
      const media = await call(`GET /feeds/${FEED}/media/${(answer.location ?? '').split('/').at(-1) ?? ''}`, {});
      assert.equal(media.status, 200);
    }), { seed: SEED, numRuns: Math.ceil(RUNS / 2) });
  });

  it('every document served after a 2xx parses with expat, and nothing was logged', () => {
    const documents = served.flatMap((s) => s.documents);
    const errors = strictParseErrors(documents);
    errors.forEach((error, i) => {
      const origin = served[Math.floor(i / 2)]?.input ?? '';
      assert.equal(error, null, `expat refused a document served after ${origin}:\n${(documents[i] ?? '').slice(0, 800)}`);
    });
    assert.ok(served.length > 10, `only ${served.length} inputs were accepted; the generators should reach the store`);
    assert.deepEqual(logged, []);
    process.stderr.write(`# ${served.length} accepted inputs, ${documents.length} documents parsed with expat (seed ${SEED}, ${RUNS} runs)\n`);
    process.stderr.write(`# refusals: ${JSON.stringify([...refusals.entries()].sort((a, b) => b[1] - a[1]))}\n`);
  });
});
