import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseEntry, parseFeed } from './support/atom.js';
import { runCgi } from './support/cgi.js';
import type { TestDatabase } from './support/databases.js';
import { DIALECTS, createTestDatabase } from './support/databases.js';
import { envFor } from './support/env.js';
import type { TestResponse } from './support/http.js';
import { httpFetch } from './support/http.js';
import type { Running } from './support/processes.js';
import { startServeHttp } from './support/processes.js';

/**
 * Issue 3's correctness problem: on a database with concurrent writers, a consumer polling "after
 * my cursor" must see every entry exactly once, in sequence order, while publishers on several
 * web heads commit concurrently. Two `atommq serve` heads share one database; 8 publishers post
 * 200 entries each, alternating heads (on SQLite they are CGI processes); a consumer polls both
 * heads with a small page size the whole time.
 */
const PUBLISHERS = 8;
const PER_PUBLISHER = 200;
const TOTAL = PUBLISHERS * PER_PUBLISHER;
const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

for (const dialect of DIALECTS) {
  const db = await createTestDatabase(dialect);
  describe(`two web heads on ${dialect}`, { skip: 'skip' in db ? db.skip : false }, () => {
    const database = db as TestDatabase;
    after(async () => database.dispose());

    it(`${TOTAL} entries from ${PUBLISHERS} concurrent publishers reach a polling consumer exactly once, in order`, async () => {
      const heads: Array<Running & { port: number }> = [await startServeHttp(['--dsn', database.dsn]), await startServeHttp(['--dsn', database.dsn])];
      try {
        const failures: string[] = [];
        // The CGI script is single-feed (MyCoolFeed); the heads serve it at /feeds/MyCoolFeed.
        const publishOne = async (p: number, n: number): Promise<void> => {
          const body = `<entry xmlns="http://www.w3.org/2005/Atom"><title>p${p}-${n}</title></entry>`;
          let response: TestResponse;
          if (dialect === 'sqlite') {
            const { env, body: bytes } = envFor('POST ', { scriptName: '/cgi-bin/mycoolfeed', headers: ENTRY, body });
            response = await runCgi(env, bytes, { ATOMMQ_DSN: database.dsn });
          } else {
            response = await httpFetch(heads[n % 2]?.port ?? 0, 'POST', '/feeds/MyCoolFeed', { headers: ENTRY, body });
          }
          if (response.status !== 201) failures.push(`publish p${p}-${n}: ${response.status} ${response.body.slice(0, 200)}`);
        };
        let isPublishing = true;
        const publishers = Promise.all(Array.from({ length: PUBLISHERS }, async (_, p) => {
          for (let n = 0; n < PER_PUBLISHER; n++) await publishOne(p, n);
        })).finally(() => { isPublishing = false; });

        const received: Array<{ id: string; title: string }> = [];
        let cursor = '0';
        for (let polls = 0; polls < 20_000; polls++) {
          const head = heads[polls % 2];
          const page = await httpFetch(head?.port ?? 0, 'GET', `/feeds/MyCoolFeed?start_after=${encodeURIComponent(cursor)}&limit=7`);
          if (page.status === 404) continue; // the feed does not exist until the first publish commits
          if (page.status !== 200) { failures.push(`poll: ${page.status} ${page.body.slice(0, 200)}`); break; }
          const entries = parseFeed(page.body).entries;
          received.push(...entries.map((e) => ({ id: e.id, title: e.title })));
          const last = entries.at(-1);
          if (last !== undefined) cursor = last.id;
          if (!isPublishing && entries.length === 0 && received.length >= TOTAL) break;
          if (!isPublishing && entries.length === 0 && received.length < TOTAL && polls > 19_000) break;
        }
        await publishers;
        assert.deepEqual(failures, []);
        assert.equal(received.length, TOTAL, 'every entry received');
        assert.equal(new Set(received.map((e) => e.id)).size, TOTAL, 'each exactly once');
        for (let p = 0; p < PUBLISHERS; p++) {
          const mine = received.filter((e) => e.title.startsWith(`p${p}-`)).map((e) => Number(e.title.split('-')[1]));
          assert.deepEqual(mine, Array.from({ length: PER_PUBLISHER }, (_, n) => n), `publisher ${p}'s entries in its own order`);
        }
        const seqs: number[] = [];
        for (let after = 0; after < TOTAL; after += 500) {
          const page = await httpFetch(heads[0]?.port ?? 0, 'GET', `/feeds/MyCoolFeed?start_after=${after}&limit=500`);
          for (const e of parseFeed(page.body).entries) seqs.push(Number(new URL(e.links['self'] ?? '').pathname.split('/').at(-1)));
        }
        assert.deepEqual(seqs, Array.from({ length: TOTAL }, (_, i) => i + 1), 'sequence numbers are exactly 1..1600');
      } finally {
        for (const head of heads) await head.stop();
      }
    });

    it('8 processes POSTing the first entry of a new feed at once, on a fresh database, all get 201, and one feed exists', async () => {
      const fresh = await createTestDatabase(dialect);
      if ('skip' in fresh) throw new Error(fresh.skip);
      try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => {
        const { env, body } = envFor('POST ', { scriptName: '/cgi-bin/mycoolfeed', headers: ENTRY,
          body: `<entry xmlns="http://www.w3.org/2005/Atom"><title>race-${i}</title></entry>` });
        return runCgi(env, body, { ATOMMQ_DSN: fresh.dsn });
      }));
      assert.deepEqual(results.map((r) => r.status), Array(8).fill(201), results.map((r) => r.body + r.stderr).join('\n'));
      const feedIds = new Set(results.map((r) => parseEntry(r.body).links['self']?.replace(/\/entries\/\d+$/, '')));
      assert.equal(feedIds.size, 1);
      const head = await startServeHttp(['--dsn', fresh.dsn]);
      try {
        const service = await httpFetch(head.port, 'GET', '/');
        assert.equal((service.body.match(/<collection /g) ?? []).length, 1, 'exactly one feed');
      } finally {
        await head.stop();
      }
      } finally {
        await fresh.dispose();
      }
    });
  });
}
