import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TailStore } from '../../lib/atompub/tail/tail-store.js';
import { DEFAULT_CONFIG } from '../../lib/core/deps.js';
import type { Deps } from '../../lib/core/deps.js';
import { handle } from '../../lib/core/handle.js';
import { hasBody } from '../../lib/core/response.js';
import { openStore } from '../../lib/storage/open.js';
import type { Store } from '../../lib/storage/store.js';
import { parseFeed } from '../support/atom.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { bodyOf, envFor } from '../support/env.js';
import { waitFor } from '../support/tools.js';
import { feedName, newEntry } from '../storage/fixtures.js';

/** The Store methods that read the database. */
const READS = new Set(['findFeed', 'ensureFeed', 'listFeeds', 'readAfter', 'findByAtomId', 'findMember', 'readMembers', 'readMedia', 'lastSeq']);

/** A real store whose read calls are counted (the tail cache's only way to the database). */
function counting(store: Store): { store: Store; reads: Map<string, number>; total(): number } {
  const reads = new Map<string, number>();
  const counted = new Proxy(store, {
    get(target, property, receiver): unknown {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || !READS.has(property)) return value;
      return (...args: unknown[]): unknown => {
        reads.set(property, (reads.get(property) ?? 0) + 1);
        return Reflect.apply(value, target, args);
      };
    },
  });
  return { store: counted, reads, total: () => [...reads.values()].reduce((a, b) => a + b, 0) };
}

function depsOf(store: Store): Deps {
  return { store, config: DEFAULT_CONFIG, now: () => new Date(), newUuid: randomUUID, logError: (m) => process.stderr.write(`${m}\n`) };
}

async function call(deps: Deps, requestLine: string, headers: Record<string, string> = {}, body = ''): Promise<{ status: number; etag: string; body: string }> {
  const { env, body: bytes } = envFor(requestLine, { headers, body });
  const response = await handle(env, bodyOf(bytes), deps);
  const etag = response.headers.find(([name]) => name === 'ETag')?.[1] ?? '';
  return { status: response.status, etag, body: hasBody(response) ? Buffer.from(response.body).toString('utf8') : '' };
}

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

for (const dialect of DIALECTS) {
  const shared = await createTestDatabase(dialect);

  describe(`the tail cache on ${dialect}`, { skip: 'skip' in shared ? shared.skip : false }, () => {
    if ('skip' in shared) return;
    const db = shared;
    let other: Store;
    before(async () => { other = await openStore(shared.dsn); });
    after(async () => { await other.close(); await shared.dispose(); });

    /** N consumers long-poll one feed through one TailStore; another head commits once. */
    async function readsForOneCommit(waiters: number): Promise<{ reads: number; rowReads: number }> {
      const probe = counting(await openStore(db.dsn));
      const tail = new TailStore(probe.store);
      const deps = depsOf(tail);
      try {
        const name = feedName('fan');
        const first = await call(deps, `POST /feeds/${name}`, ENTRY, '<entry><title>first</title></entry>');
        assert.equal(first.status, 201);
        const polls = Array.from({ length: waiters }, () => call(deps, `GET /feeds/${name}`, { 'If-None-Match': first.etag, Prefer: 'wait=20' }));
        await waitFor(`${waiters} waiters`, async () => tail.stats().waiters === waiters);
        const before = probe.total();
        const rowReadsBefore = probe.reads.get('readAfter') ?? 0;
        await other.append({ feed: name, entries: [newEntry('<entry xmlns="http://www.w3.org/2005/Atom"><title>wake</title></entry>')] });
        const answers = await Promise.all(polls);
        for (const answer of answers) {
          assert.equal(answer.status, 200);
          assert.deepEqual(parseFeed(answer.body).entries.map((e) => e.title), ['wake']);
        }
        return { reads: probe.total() - before, rowReads: (probe.reads.get('readAfter') ?? 0) - rowReadsBefore };
      } finally {
        await tail.close();
      }
    }

    it('one commit by another head wakes 1 or 200 waiters with the same reads: one of the new rows', async () => {
      const one = await readsForOneCommit(1);
      const many = await readsForOneCommit(200);
      assert.equal(many.rowReads, 1, 'one read of the new rows for 200 waiters');
      assert.equal(one.rowReads, 1);
      assert.ok(many.reads <= one.reads + 1, `reads for 200 waiters (${many.reads}) are those for 1 (${one.reads}), give or take the feed row's refresh`);
      assert.ok(many.reads <= 3, `${many.reads} reads`);
    });

    it('an own append wakes every waiter with no read of rows at all', async () => {
      const probe = counting(await openStore(shared.dsn));
      const tail = new TailStore(probe.store);
      const deps = depsOf(tail);
      try {
        const name = feedName('own');
        const first = await call(deps, `POST /feeds/${name}`, ENTRY, '<entry><title>first</title></entry>');
        const polls = Array.from({ length: 50 }, () => call(deps, `GET /feeds/${name}`, { 'If-None-Match': first.etag, Prefer: 'wait=20' }));
        await waitFor('50 waiters', async () => tail.stats().waiters === 50);
        const rowReads = probe.reads.get('readAfter') ?? 0;
        assert.equal((await call(deps, `POST /feeds/${name}`, ENTRY, '<entry><title>own</title></entry>')).status, 201);
        for (const answer of await Promise.all(polls)) assert.deepEqual(parseFeed(answer.body).entries.map((e) => e.title), ['own']);
        assert.equal((probe.reads.get('readAfter') ?? 0) - rowReads, 0);
      } finally {
        await tail.close();
      }
    });

    it('a cursor or ETag from another head\'s 201 is served, not refused, while the feed row is cached', async () => {
      const tail = new TailStore(await openStore(shared.dsn), { recordTtlMs: 60_000 });
      const deps = depsOf(tail);
      const controller = new AbortController();
      try {
        const name = feedName('ahead');
        await call(deps, `POST /feeds/${name}`, ENTRY, '<entry><title>first</title></entry>');
        const feed = await tail.findFeed(name);
        assert.ok(feed !== undefined);
        // A waiter keeps the feed watched, so this head answers from its cached feed row.
        const waiting = tail.waitForAppend(feed.id, 1_000_000, controller.signal);
        let staleSeen = 0;
        for (let round = 0; round < 20 && staleSeen < 3; round++) {
          const { feed: committed } = await other.append({ feed: name, entries: [newEntry()] });
          if (((await tail.findFeed(name))?.lastSeq ?? 0) >= committed.lastSeq) continue;
          staleSeen += 1;
          const page = await call(deps, `GET /feeds/${name}?start_after=${committed.lastSeq}`);
          assert.equal(page.status, 200, 'a seq from another head is a valid cursor');
          assert.deepEqual(parseFeed(page.body).entries, []);
          const tag = page.etag;
          assert.equal((await call(deps, `GET /feeds/${name}`, { 'If-None-Match': tag })).status, 304, 'its ETag names the newest position');
        }
        assert.ok(staleSeen > 0, 'the cached feed row was behind another head at least once');
        assert.equal((await call(deps, `GET /feeds/${name}?start_after=999999`)).status, 400, 'a position nobody committed is still refused');
        controller.abort();
        await waiting;
      } finally {
        controller.abort();
        await tail.close();
      }
    });

    it('keeps its windows within the byte and row bounds, and reads past them gaplessly', async () => {
      const maxBytes = 20_000;
      const tail = new TailStore(await openStore(shared.dsn), { maxBytes, maxRowsPerFeed: 50 });
      try {
        const names = [feedName('mem'), feedName('mem'), feedName('mem')];
        const ids: number[] = [];
        for (const name of names) {
          for (let n = 0; n < 12; n++) {
            const { feed } = await tail.append({ feed: name, entries: Array.from({ length: 10 }, () => newEntry(`<entry>${'x'.repeat(400)}</entry>`)) });
            if (n === 0) ids.push(feed.id);
            assert.ok(tail.stats().bytes <= maxBytes, `${tail.stats().bytes} bytes cached`);
          }
        }
        for (const id of ids) {
          const seen: number[] = [];
          while (seen.length < 120) {
            const rows = await tail.readAfter(id, seen.at(-1) ?? 0, 30);
            assert.ok(rows.length > 0, `rows after ${seen.at(-1) ?? 0}`);
            seen.push(...rows.map((r) => r.seq));
            const stats = tail.stats();
            assert.ok(stats.bytes <= maxBytes && stats.rows <= 3 * 50, JSON.stringify(stats));
          }
          assert.deepEqual(seen, Array.from({ length: 120 }, (_, i) => i + 1));
        }
      } finally {
        await tail.close();
      }
    });
  });
}
