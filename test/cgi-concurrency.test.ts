import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { SqliteStore } from '../lib/storage/sqlite/store.js';
import { runCgi } from './support/cgi.js';
import { envFor } from './support/env.js';

/**
 * Eight CGI processes publish 50 entries each to one SQLite feed at once, as a busy web server
 * would run them. Every POST must be a 201, and the feed must hold 400 entries numbered 1..400.
 */
it('8 concurrent CGI publishers × 50 entries: 400 entries, seq 1..400, no 5xx', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-cgi-concurrency-'));
  const dsn = `sqlite:${join(dir, 'bus.db')}`;
  try {
    const statuses: number[] = [];
    const publisher = async (p: number): Promise<void> => {
      for (let n = 0; n < 50; n++) {
        const { env, body } = envFor('POST ', {
          scriptName: '/cgi-bin/mycoolfeed',
          headers: { 'Content-Type': 'application/atom+xml;type=entry' },
          body: `<entry xmlns="http://www.w3.org/2005/Atom"><title>p${p}-${n}</title></entry>`,
        });
        const response = await runCgi(env, body, { ATOMMQ_DSN: dsn });
        statuses.push(response.status);
        assert.ok(response.status < 500, `publisher ${p} entry ${n}: ${response.status} ${response.body} ${response.stderr}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, p) => publisher(p)));
    assert.deepEqual([...new Set(statuses)], [201]);
    const store = await SqliteStore.open(join(dir, 'bus.db'));
    const feed = await store.ensureFeed('MyCoolFeed');
    const rows = await store.readAfter(feed.id, 0, 1000);
    await store.close();
    assert.equal(rows.length, 400);
    assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: 400 }, (_, i) => i + 1));
    assert.equal(new Set(rows.map((r) => r.atomId)).size, 400, 'no duplicated entries');
    const titles = new Set(rows.map((r) => /<title>([^<]*)<\/title>/.exec(r.xml)?.[1]));
    assert.equal(titles.size, 400, 'every published entry is present once');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
