import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import type { Message } from '../../lib/client/index.js';
import { listFeeds, publish, publishBatch, publishBytes, publishJson, subscribe } from '../../lib/client/index.js';
import { CLI } from '../support/processes.js';
import { FEED, FRONTS, startFront } from './fronts.js';

const run = promisify(execFile);

/**
 * What a publisher sends comes back to a subscriber as it was sent, through every front end:
 * each content form of RFC 4287 §4.1.3.3, JSON and binary media resources, a batch, and a
 * deletion; and the CLI's publish and feeds commands.
 */
describe('client round trip', () => {
  for (const front of FRONTS) {
    it(`publish, publishJson, publishBytes, publishBatch and a DELETE come back through subscribe, through ${front}`, async (t) => {
      const servers = await startFront(t, front);
      if (servers === undefined) return;
      try {
        const url = servers.feedUrl;
        const text = await publish(url, { title: 'text', content: 'a < b & c', author: 'alice', categories: ['greeting'] });
        await publish(url, { title: 'html', content: '<b>bold</b>', contentType: 'html' });
        await publish(url, { title: 'xhtml', content: '<p>para <em>em</em></p>', contentType: 'xhtml' });
        await publish(url, { title: 'inline json', content: '{"n":1}', contentType: 'application/json' });
        await publish(url, { title: 'inline xml', content: '<order id="7"/>', contentType: 'application/xml' });
        const json = await publishJson(url, { order: 42, items: ['é'] }, { title: 'media json' });
        await publishBytes(url, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'image/png', { title: 'picture' });
        const batch = await publishBatch(url, [{ title: 'b1' }, { title: 'b2', content: 'two' }, { title: 'b3', summary: 'three' }]);
        assert.deepEqual([batch.first, batch.last, batch.count, batch.replayed], [8, 10, 3, false]);
        assert.equal(batch.etag.endsWith(`.10"`), true);
        assert.equal(text.seq, 1);
        assert.match(text.location, /\/entries\/1$/);
        const deleted = await fetch(text.location, { method: 'DELETE' });
        assert.equal(deleted.status, 200);

        const messages = await readFirst(url, 11);
        assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert.deepEqual(messages.map((m) => m.title), ['text', 'html', 'xhtml', 'inline json', 'inline xml', 'media json', 'picture', 'b1', 'b2', 'b3', '']);
        const [first, html, xhtml, inlineJson, inlineXml, mediaJson, picture, b1, b2, b3, tombstone] = messages;
        assert.deepEqual([first?.content, first?.contentType, first?.author, first?.id, first?.etag], ['a < b & c', 'text', 'alice', text.id, text.etag]);
        assert.deepEqual([html?.content, html?.contentType], ['<b>bold</b>', 'html']);
        assert.deepEqual([xhtml?.content, xhtml?.contentType], ['<p>para <em>em</em></p>', 'xhtml']);
        assert.deepEqual([inlineJson?.content, inlineJson?.contentType], ['{"n":1}', 'application/json']);
        assert.deepEqual([inlineXml?.content, inlineXml?.contentType], ['<order id="7"/>', 'application/xml']);
        assert.deepEqual([mediaJson?.content, mediaJson?.contentType, mediaJson?.id], ['{"order":42,"items":["é"]}', 'application/json', json.id]);
        assert.match(mediaJson?.contentSrc ?? '', /\/media\/6\?revision=6$/, 'content/@src names this revision\'s own bytes (issue 10)');
        assert.deepEqual([picture?.content, picture?.contentType], [undefined, 'image/png'], 'binary media stay a link');
        assert.match(picture?.contentSrc ?? '', /\/media\/7\?revision=7$/);
        // b1 was posted without content: the server stores an empty text content (README: the stored form).
        assert.deepEqual([b1?.content, b2?.content, b3?.summary], ['', 'two', 'three']);
        assert.deepEqual([tombstone?.deleted, tombstone?.id, tombstone?.link], [true, text.id, undefined]);
        assert.equal(messages.filter((m) => m.deleted).length, 1);
        assert.match(tombstone?.etag ?? '', /^"[0-9a-f]{8}\.11"$/);
      } finally {
        await servers.close();
      }
    });

    it(`atommq publish and atommq feeds, through ${front}`, async (t) => {
      const servers = await startFront(t, front);
      if (servers === undefined) return;
      try {
        const file = join(servers.dir, 'note.txt');
        await writeFile(file, 'remember the milk\n');
        const posted = await run(process.execPath, [CLI, 'publish', servers.feedUrl, file, '--title', 'note', '--idempotency-key', 'note-1']);
        const stored: unknown = JSON.parse(posted.stdout);
        assert.ok(typeof stored === 'object' && stored !== null);
        assert.deepEqual([Reflect.get(stored, 'seq'), Reflect.get(stored, 'replayed')], [1, false]);
        const again = await run(process.execPath, [CLI, 'publish', servers.feedUrl, file, '--title', 'note', '--idempotency-key', 'note-1']);
        assert.match(again.stdout, /"seq":1,.*"replayed":true/);
        const refused = run(process.execPath, [CLI, 'publish', servers.feedUrl, file, '--title', 'other', '--idempotency-key', 'note-1']);
        await assert.rejects(refused, (error: unknown) => error instanceof Error && Reflect.get(error, 'code') === 1 && /422: this Idempotency-Key was already used/.test(String(Reflect.get(error, 'stderr'))));
        const [message] = await readFirst(servers.feedUrl, 1);
        assert.deepEqual([message?.title, message?.content], ['note', 'remember the milk\n']);

        // The multi-feed servers' service document is their root; a single-feed script's URL works too.
        const root = front === 'cgi' ? servers.feedUrl : servers.feedUrl.replace(/feeds\/.*$/, '');
        assert.deepEqual((await listFeeds(root)).map((f) => [f.title, f.url]), [[FEED, servers.feedUrl]]);
        const listed = await run(process.execPath, [CLI, 'feeds', root]);
        assert.equal(listed.stdout, `${FEED}\t${servers.feedUrl}\n`);
      } finally {
        await servers.close();
      }
    });
  }
});

/** The first `count` messages of a feed, read with subscribe from the start. */
async function readFirst(url: string, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  const stop = new AbortController();
  for await (const message of subscribe(url, { signal: stop.signal, waitSeconds: 5 })) {
    messages.push(message);
    if (messages.length === count) stop.abort();
  }
  return messages;
}
