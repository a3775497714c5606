import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { AtomMQ } from '../lib/index.js';
import { hasBody } from '../lib/core/response.js';
import { CURL_EXAMPLE } from './conformance/cases.js';
import { parseEntry, parseFeed } from './support/atom.js';
import { bodyOf, envFor } from './support/env.js';
import { REPO_ROOT } from './support/processes.js';
import { IS_CI, requireTool } from './support/tools.js';

const run = promisify(execFile);

/** The RELAX NG compact grammars of RFC 4287 and RFC 5023, kept in the workspace's shared/ folder. */
const SCHEMAS = [join(REPO_ROOT, '../shared/schemas'), join(REPO_ROOT, 'test/schemas')].find((dir) => existsSync(join(dir, 'atom.rnc')));
if (SCHEMAS === undefined && IS_CI) throw new Error('the RFC 4287/5023 RELAX NG schemas are missing from ../shared/schemas');

/**
 * Every document AtomMQ serves validates against the RFC 4287 (Atom) and RFC 5023 (AtomPub)
 * RELAX NG grammars, checked by Debian's jing. The grammars' Schematron rules are annotations
 * jing does not enforce, so the two that matter are checked here directly.
 */
describe('documents validate against the RFC 4287 and RFC 5023 RELAX NG schemas (jing)', { skip: SCHEMAS === undefined ? 'schemas not found' : false }, () => {
  let dir = '';
  let app: AtomMQ | undefined;
  const fetchText = async (requestLine: string, options: Parameters<typeof envFor>[1] = {}): Promise<string> => {
    const { env, body } = envFor(requestLine, options);
    const response = await app?.handle(env, bodyOf(body));
    assert.ok(response !== undefined && hasBody(response));
    assert.ok(response.status < 300, Buffer.from(response.body).toString());
    return Buffer.from(response.body).toString('utf8');
  };
  const jing = async (schema: string, document: string): Promise<void> => {
    const file = join(dir, `doc-${Math.random().toString(36).slice(2)}.xml`);
    await writeFile(file, document);
    try {
      await run('jing', ['-c', join(SCHEMAS ?? '', schema), file]);
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string };
      assert.fail(`jing rejected the document:\n${output.stdout ?? ''}${output.stderr ?? ''}\n${document}`);
    }
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atommq-schema-'));
    app = new AtomMQ({ dsn: `sqlite:${join(dir, 'bus.db')}` });
    await fetchText('POST /feeds/valid', { body: CURL_EXAMPLE, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    await fetchText('POST /feeds/valid', {
      body: '<entry xmlns="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"><title type="html">&lt;i&gt;t&lt;/i&gt;</title>' +
        '<content type="text">plain</content><summary>s</summary><author><name>Ann</name><email>ann@example.org</email></author>' +
        '<category term="x" scheme="http://example.org/s"/><link rel="alternate" href="http://example.org/"/><dc:subject>topic</dc:subject></entry>',
      headers: { 'Content-Type': 'application/atom+xml;type=entry' },
    });
  });
  after(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a feed page', async (t) => {
    if (!requireTool(t, 'jing', 'RELAX NG validation')) return;
    const feed = await fetchText('GET /feeds/valid');
    await jing('atom.rnc', feed);
    assert.equal(parseFeed(feed).entries.length, 2);
  });

  it('an empty feed page', async (t) => {
    if (!requireTool(t, 'jing', 'RELAX NG validation')) return;
    await jing('atom.rnc', await fetchText('GET /feeds/valid?start_after=2'));
  });

  it('each entry document, with an author and content (the grammar\'s Schematron rules)', async (t) => {
    if (!requireTool(t, 'jing', 'RELAX NG validation')) return;
    for (const key of [1, 2]) {
      const entry = await fetchText(`GET /feeds/valid/entries/${key}`);
      await jing('atom.rnc', entry);
      assert.ok(parseEntry(entry).element.find('*[local-name()="author"]').length > 0, 'RFC 4287 §4.1.2: an entry document needs an author');
      assert.ok(parseEntry(entry).element.find('*[local-name()="content"]').length > 0);
    }
  });

  it('a feed carrying an RFC 6721 tombstone and a revision', async (t) => {
    if (!requireTool(t, 'jing', 'RELAX NG validation')) return;
    await fetchText('POST /feeds/edited', { body: '<entry><title>one</title><content>1</content></entry>' });
    await fetchText('POST /feeds/edited', { body: '<entry><title>two</title><content>2</content></entry>' });
    await fetchText('PUT /feeds/edited/entries/1', { body: '<entry><title>one, revised</title><content>1</content></entry>' });
    await fetchText('DELETE /feeds/edited/entries/2');
    await fetchText('POST /feeds/edited', { body: '<entry><title>three</title><content>3</content></entry>' });
    // A page ends before a tombstone that follows an entry, so this cursor's page starts with it.
    const feed = await fetchText('GET /feeds/edited?start_after=3');
    assert.match(feed, /<at:deleted-entry /);
    await jing('atom.rnc', feed);
    await jing('atom.rnc', await fetchText('GET /feeds/edited?view=edited'));
  });

  it('a media link entry and a batch answer', async (t) => {
    if (!requireTool(t, 'jing', 'RELAX NG validation')) return;
    await jing('atom.rnc', await fetchText('POST /feeds/media', { body: '{"a":1}', headers: { 'Content-Type': 'application/json' } }));
    await jing('atom.rnc', await fetchText('POST /feeds/media', {
      body: '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>b1</title><content>x</content></entry><entry><title>b2</title><content>y</content></entry></feed>',
      headers: { 'Content-Type': 'application/atom+xml;type=feed' },
    }));
  });

  it('the service document', async (t) => {
    if (!requireTool(t, 'jing', 'RELAX NG validation')) return;
    await jing('atompub-service.rnc', await fetchText('GET /'));
  });
});
