import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FeedScanError, scanFeed } from '../../lib/cli/atom-scanner.js';
import { planImport } from '../../lib/cli/import-plan.js';
import { UsageError } from '../../lib/cli/output.js';
import { acceptDocument } from '../../lib/xml/entry-wire.js';

/**
 * How `atommq import` reads its file: the feed scanner finds exactly the top-level entries, the
 * batches it cuts are feeds the server accepts, and the cut is the same on every run.
 */
describe('import planning', () => {
  it('the scanner finds the top-level entries through comments, CDATA, PIs, quoted > and prefixes', () => {
    const text = `<?xml version="1.0"?>
<!-- a <feed> in a comment -->
<?pi <entry>?>
<a:feed xmlns:a="http://www.w3.org/2005/Atom" xml:lang="en"><a:title>t</a:title>
  <a:entry><a:title q="x > y">one</a:title><!-- </a:entry> --></a:entry>
  <a:entry><a:title>two</a:title><a:content type="html"><![CDATA[</a:entry><a:entry>]]></a:content></a:entry>
  <a:author><a:name>not an entry</a:name></a:author>
  <a:entry/>
</a:feed>`;
    const scanned = scanFeed(text);
    assert.equal(scanned.rootStartTag, '<a:feed xmlns:a="http://www.w3.org/2005/Atom" xml:lang="en">');
    assert.equal(scanned.rootName, 'a:feed');
    assert.equal(scanned.entries.length, 3);
    assert.match(scanned.entries[0] ?? '', /^<a:entry><a:title q="x > y">one<\/a:title><!-- <\/a:entry> --><\/a:entry>$/);
    assert.match(scanned.entries[1] ?? '', /CDATA\[<\/a:entry><a:entry>\]\]><\/a:content><\/a:entry>$/);
    assert.equal(scanned.entries[2], '<a:entry/>');
  });

  it('the scanner refuses what is not a feed', () => {
    assert.throws(() => scanFeed('<entry><title>x</title></entry>'), FeedScanError);
    assert.throws(() => scanFeed('<!DOCTYPE feed><feed/>'), /DOCTYPE/);
    assert.throws(() => scanFeed('<feed><entry><title>x</title>'), /never closed/);
  });

  it('batches are server-acceptable feeds, cut by count and by bytes, the same on every run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-plan-'));
    try {
      const file = join(dir, 'feed.xml');
      const entries = Array.from({ length: 25 }, (_, n) => `<e:entry><e:title>n${n}</e:title><dc:subject>s</dc:subject></e:entry>`);
      await writeFile(file, `<e:feed xmlns:e="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">${entries.join('\n')}</e:feed>`);
      const plan = await planImport(file, { size: 10, bytes: 100_000 });
      assert.deepEqual(plan.batches.map((b) => [b.first, b.count]), [[0, 10], [10, 10], [20, 5]]);
      assert.equal(plan.total, 25);
      const accepted = await acceptDocument(plan.batches[1]?.body() ?? new Uint8Array(), 'AtomMQ', 1000);
      assert.equal(accepted.kind, 'batch');
      assert.deepEqual(accepted.kind === 'batch' ? accepted.entries.map((e) => e.title) : [], Array.from({ length: 10 }, (_, n) => `n${n + 10}`));
      assert.ok(accepted.kind === 'batch' && accepted.entries.every((e) => e.xml.includes('http://purl.org/dc/elements/1.1/')), 'the root\'s declarations carry over');
      const small = await planImport(file, { size: 10, bytes: 400 });
      assert.ok(small.batches.length > 3 && small.batches.every((b) => b.count >= 1), 'the byte limit cuts smaller batches');
      const again = await planImport(file, { size: 10, bytes: 400 });
      assert.deepEqual(again.batches.map((b) => [b.first, b.count]), small.batches.map((b) => [b.first, b.count]));
      assert.equal(again.sha256, small.sha256);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('JSON lines are messages as publish takes them; tail --json deletions are skipped; mistakes name the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-plan-'));
    try {
      const file = join(dir, 'lines.jsonl');
      await writeFile(file, [
        JSON.stringify({ seq: 1, title: 'a', content: '{"n":1}', contentType: 'application/json', updated: 'x', deleted: false }),
        '',
        JSON.stringify({ seq: 2, id: 'urn:uuid:x', title: '', deleted: true }),
        JSON.stringify({ title: 'b', categories: ['c1'] }),
      ].join('\n'));
      const plan = await planImport(file, { size: 1000, bytes: 100_000 });
      assert.deepEqual([plan.format, plan.total, plan.skipped], ['json-lines', 2, 1]);
      const accepted = await acceptDocument(plan.batches[0]?.body() ?? new Uint8Array(), 'AtomMQ', 1000);
      assert.deepEqual(accepted.kind === 'batch' ? accepted.entries.map((e) => e.title) : [], ['a', 'b']);
      await writeFile(file, `${JSON.stringify({ title: 'ok' })}\n{"content":"no title"}\n`);
      await assert.rejects(planImport(file, { size: 10, bytes: 100_000 }), (error: unknown) => error instanceof UsageError && /lines\.jsonl:2: every message needs a "title"/.test(error.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
