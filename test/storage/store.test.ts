import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { DsnError } from '../../lib/storage/dsn.js';
import { LATEST_VERSION } from '../../lib/storage/migrations.js';
import { openStore } from '../../lib/storage/open.js';
import { integerField } from '../../lib/storage/rows.js';
import { StoreUnavailableError, type Store } from '../../lib/storage/store.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { feedName, newEntry, range, rawQuery, seqsOf, withFreshDatabase, withStores } from './fixtures.js';

/** A TCP proxy to a database server that a test can cut, to play a server going away. */
async function startProxy(target: URL): Promise<{ readonly port: number; cut(): Promise<void>; resume(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy()).on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
    resume: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
  };
}

for (const dialect of DIALECTS) {
  const shared = await createTestDatabase(dialect);

  // Stores that write at once, standing in for web heads. node-sqlite3 runs statements on libuv's
  // four threads, and a connection waiting for SQLite's write lock blocks its thread: beyond three
  // SQLite stores in one process the lock holder can starve. Real heads are separate processes.
  const heads = dialect === 'sqlite' ? 3 : 4;

  describe(`storage on ${dialect}`, { skip: 'skip' in shared ? shared.skip : false }, () => {
    if ('skip' in shared) return;
    let store: Store;
    before(async () => { store = await openStore(shared.dsn); });
    after(async () => { await store.close(); await shared.dispose(); });

    it('migrations create the schema once; opening again changes nothing', () => withFreshDatabase(dialect, async (db) => {
      await withStores(db.dsn, 1, async () => undefined);
      await withStores(db.dsn, 1, async ([again]) => assert.deepEqual(await again?.listFeeds(), []));
      const versions = (await rawQuery(db, 'SELECT version FROM atommq_schema ORDER BY version')).map((r) => integerField(r, 'version'));
      assert.deepEqual(versions, range(1, LATEST_VERSION));
    }));

    it('several stores opening one fresh database at once migrate it once', () => withFreshDatabase(dialect, async (db) => {
      const openers = dialect === 'sqlite' ? heads : 8;
      await withStores(db.dsn, openers, async (stores) => {
        const results = await Promise.all(stores.map((s) => s.append({ feed: 'opened', entries: [newEntry()] })));
        assert.deepEqual(results.map((r) => r.entries[0]?.seq).sort((a = 0, b = 0) => a - b), range(1, openers));
      });
      const versions = (await rawQuery(db, 'SELECT version FROM atommq_schema ORDER BY version')).map((r) => integerField(r, 'version'));
      assert.deepEqual(versions, range(1, LATEST_VERSION));
    }));

    it('ensureFeed creates a feed once and finds it case-insensitively', async () => {
      const name = feedName('MixedCase');
      const created = await store.ensureFeed(name);
      assert.equal(created.name, name);
      assert.equal(created.lastSeq, 0);
      assert.match(created.atomId, /^urn:uuid:[0-9a-f-]{36}$/);
      assert.equal(created.created, created.updated);
      const again = await store.ensureFeed(name.toUpperCase());
      assert.deepEqual(again, created, 'the feed keeps the name it was first created with');
      assert.deepEqual(await store.findFeed(name.toLowerCase()), created);
      assert.equal(await store.findFeed(feedName('missing')), undefined);
      assert.ok((await store.listFeeds()).some((f) => f.id === created.id));
    });

    it(`8 concurrent ensureFeed/append calls on a new feed, from ${heads} stores, create exactly one feed`, () =>
      withStores(shared.dsn, heads, async (stores) => {
        const name = feedName('race');
        const calls = range(0, 7).map(async (i) => {
          const s = stores[i % heads] ?? store;
          const spelling = i % 2 === 0 ? name : name.toUpperCase();
          return i < 4 ? s.ensureFeed(spelling) : (await s.append({ feed: spelling, entries: [newEntry()] })).feed;
        });
        const feeds = await Promise.all(calls);
        assert.equal(new Set(feeds.map((f) => f.id)).size, 1);
        assert.ok(feeds.every((f) => f.name === name || f.name === name.toUpperCase()));
        const listed = (await store.listFeeds()).filter((f) => f.name.toLowerCase() === name.toLowerCase());
        assert.equal(listed.length, 1);
        assert.equal(listed[0]?.lastSeq, 4);
        assert.deepEqual(seqsOf(await store.readAfter(listed[0]?.id ?? -1, 0, 10)), range(1, 4));
      }));

    it('append numbers rows 1..n, gapless, with member = seq, and moves the feed forward', async () => {
      const name = feedName('append');
      const first = await store.append({ feed: name, entries: [newEntry(), newEntry(), newEntry()] });
      const second = await store.append({ feed: name, entries: [newEntry(), newEntry()] });
      assert.deepEqual(seqsOf([...first.entries, ...second.entries]), range(1, 5));
      assert.ok([...first.entries, ...second.entries].every((e) => e.member === e.seq));
      assert.equal(second.feed.id, first.feed.id);
      assert.equal(second.feed.lastSeq, 5);
      assert.equal(second.feed.updated, second.entries.at(-1)?.updated);
      assert.deepEqual(await store.readAfter(first.feed.id, 0, 100), [...first.entries, ...second.entries]);
    });

    it('appending no entries creates the feed only', async () => {
      const name = feedName('empty');
      const result = await store.append({ feed: name, entries: [] });
      assert.deepEqual(result.entries, []);
      assert.equal(result.feed.lastSeq, 0);
      assert.deepEqual(await store.findFeed(name), result.feed);
      assert.deepEqual(await store.readAfter(result.feed.id, 0, 10), []);
      assert.deepEqual((await store.append({ feed: name, entries: [] })).feed, result.feed);
    });

    it('readAfter pages oldest first and stays within its feed', async () => {
      const { feed } = await store.append({ feed: feedName('pages'), entries: range(1, 25).map(() => newEntry()) });
      await store.append({ feed: feedName('other'), entries: [newEntry(), newEntry()] });
      const pages: number[][] = [];
      for (let cursor = 0; ;) {
        const page = await store.readAfter(feed.id, cursor, 10);
        if (page.length === 0) break;
        pages.push(seqsOf(page));
        cursor = page.at(-1)?.seq ?? cursor;
      }
      assert.deepEqual(pages, [range(1, 10), range(11, 20), range(21, 25)]);
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 23, 10)), [24, 25]);
      assert.deepEqual(await store.readAfter(feed.id, 25, 10), []);
    });

    it('findByAtomId finds the first row that holds an atom:id', async () => {
      const a = newEntry();
      const { feed } = await store.append({ feed: feedName('atomid'), entries: [a, newEntry(), { ...newEntry(), atomId: a.atomId }] });
      const found = await store.findByAtomId(feed.id, a.atomId);
      assert.deepEqual(found, { ...a, seq: 1, member: 1 });
      assert.equal(await store.findByAtomId(feed.id, `urn:uuid:${randomUUID()}`), undefined);
      assert.equal(await store.findByAtomId(feed.id + 1_000_000, a.atomId), undefined);
    });

    it('findMember returns the newest row of a member', async () => {
      const { feed, entries } = await store.append({ feed: feedName('member'), entries: [newEntry(), newEntry()] });
      const original = entries[0];
      assert.ok(original);
      // A revision and a tombstone of member 1, planted as seq 3 and 4.
      await rawQuery(shared, `INSERT INTO atommq_entry (feed_id, seq, member, atom_id, kind, updated, xml) VALUES
        (${feed.id}, 3, 1, '${original.atomId}', 'entry', '2030-01-01T00:00:00.000Z', '<revised/>'),
        (${feed.id}, 4, 1, '${original.atomId}', 'tombstone', '2030-01-02T00:00:00.000Z', '<deleted/>')`);
      assert.deepEqual(await store.findMember(feed.id, 1), {
        seq: 4, member: 1, atomId: original.atomId, kind: 'tombstone', updated: '2030-01-02T00:00:00.000Z', xml: '<deleted/>', mediaType: undefined, mediaSeq: undefined });
      assert.deepEqual(await store.findMember(feed.id, 2), entries[1]);
      assert.equal(await store.findMember(feed.id, 3), undefined);
      assert.equal((await store.findByAtomId(feed.id, original.atomId))?.seq, 1);
    });

    it(`50 concurrent appends from ${heads} stores get seq exactly 1..50`, () => withStores(shared.dsn, heads, async (stores) => {
      const name = feedName('concurrent');
      const sent = range(0, 49).map(() => newEntry());
      const results = await Promise.all(sent.map((e, i) => (stores[i % heads] ?? store).append({ feed: name, entries: [e] })));
      assert.deepEqual(results.flatMap((r) => seqsOf(r.entries)).sort((a, b) => a - b), range(1, 50));
      const feedId = results[0]?.feed.id ?? -1;
      const stored = await store.readAfter(feedId, 0, 100);
      assert.deepEqual(seqsOf(stored), range(1, 50));
      assert.deepEqual(new Set(stored.map((e) => e.atomId)), new Set(sent.map((e) => e.atomId)));
      assert.equal((await store.findFeed(name))?.lastSeq, 50);
    }));

    it('a consumer polling during concurrent appends sees every entry once, in order', () =>
      withStores(shared.dsn, heads, async (stores) => {
        const name = feedName('poll');
        const { feed } = await store.append({ feed: name, entries: [] });
        const sizes = stores.map((_, p) => range(0, 39).map((i) => 1 + ((i + p) % 3)));
        const publishing = Promise.all(stores.map(async (s, p) => {
          for (const size of sizes[p] ?? []) await s.append({ feed: name, entries: range(1, size).map(() => newEntry()) });
        }));
        let isDone = false;
        void publishing.finally(() => { isDone = true; });
        const seen: number[] = [];
        for (let idle = 0; idle < 2;) {
          const page = await store.readAfter(feed.id, seen.at(-1) ?? 0, 7);
          // Commit order = seq order: a page never skips past a number the consumer has not seen.
          assert.deepEqual(seqsOf(page), range(seen.length + 1, seen.length + page.length));
          seen.push(...seqsOf(page));
          if (page.length === 0 && isDone) idle += 1;
        }
        await publishing;
        const total = (await store.findFeed(name))?.lastSeq ?? -1;
        assert.deepEqual(seen, range(1, total));
        assert.equal(total, sizes.flat().reduce((sum, n) => sum + n, 0));
      }));

    it('entries survive closing and reopening the store', async () => {
      const name = feedName('durable');
      const written = await withStores(shared.dsn, 1, async ([s]) => s?.append({ feed: name, entries: [newEntry(), newEntry()] }));
      await withStores(shared.dsn, 1, async ([reopened]) => {
        const feed = await reopened?.findFeed(name);
        assert.equal(feed?.lastSeq, 2);
        assert.deepEqual(await reopened?.readAfter(feed?.id ?? -1, 0, 10), written?.entries);
      });
    });

    it('an unreachable database fails with a clear message and no password', async () => {
      const dsn = dialect === 'sqlite' ? `sqlite:/nonexistent-${randomUUID()}/atommq.db` : `${dialect}://u:secretpw@127.0.0.1:1/x`;
      const error: unknown = await openStore(dsn).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${inspect(error)}`);
      if (dialect !== 'sqlite') {
        assert.match(error.message, /127\.0\.0\.1:1\/x/);
        assert.doesNotMatch(inspect(error), /secretpw/);
      }
    });

    it('refused credentials or a missing database fail with a clear message and no password', { skip: dialect === 'sqlite' ? 'SQLite has no server to refuse or lose' : false }, async () => {
      const url = new URL(shared.dsn);
      url.password = 'secretpw';
      if (dialect === 'postgres') url.pathname = '/atommq_no_such_database'; // trust auth accepts any password
      const error: unknown = await openStore(url.toString()).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${inspect(error)}`);
      assert.match(error.message, dialect === 'postgres' ? /does not exist/ : /Access denied/);
      assert.doesNotMatch(inspect(error), /secretpw/);
    });

    it('losing the server gives StoreUnavailableError without the password, and the store recovers', { skip: dialect === 'sqlite' ? 'SQLite has no server to refuse or lose' : false }, async () => {
      const target = new URL(shared.dsn);
      const proxy = await startProxy(target);
      const url = new URL(shared.dsn);
      url.port = String(proxy.port);
      if (dialect === 'postgres') url.password = 'secretpw'; // trust auth accepts any password
      const name = feedName('lost');
      await withStores(url.toString(), 1, async ([s]) => {
        assert.ok(s);
        await s.append({ feed: name, entries: [newEntry()] });
        await proxy.cut();
        for (const attempt of [() => s.append({ feed: name, entries: [newEntry()] }), () => s.findFeed(name)]) {
          const error: unknown = await attempt().then(() => undefined, (e: unknown) => e);
          assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${inspect(error)}`);
          assert.ok(error.message.includes(`127.0.0.1:${proxy.port}/${target.pathname.slice(1)}`), error.message);
          assert.doesNotMatch(inspect(error), /secretpw/);
        }
        await proxy.resume();
        const { entries } = await s.append({ feed: name, entries: [newEntry()] });
        assert.equal(entries[0]?.seq, 2);
        await proxy.cut();
      });
    });

    it('a malformed DSN fails with DsnError and no password', async () => {
      await assert.rejects(openStore(`${dialect === 'sqlite' ? 'postgres' : dialect}://u:secretpw@127.0.0.1:99999/x`),
        (e: unknown) => e instanceof DsnError && !e.message.includes('secretpw'));
    });
  });
}
