import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../lib/storage/open.js';
import { AppendRejectedError, type AppendRequest, type Store } from '../../lib/storage/store.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { feedName, newEntry, range, seqsOf, withFreshDatabase, withStores } from './fixtures.js';

const LONG_AGO = '2000-01-01T00:00:00.000Z';
const FAR_AHEAD = '2100-01-01T00:00:00.000Z';

/** An idempotent publish of fresh entries under `key`. */
function keyed(feed: string, key: string, fingerprint = 'sha256:aaaa', notBefore = LONG_AGO, count = 1): AppendRequest {
  return { feed, entries: range(1, count).map(() => newEntry()), idempotency: { key, fingerprint, notBefore } };
}

// "10 concurrent POSTs with the same Idempotency-Key create exactly one entry and all return the
// same Location — even when the retries race, and even across web heads."
for (const dialect of DIALECTS) {
  const shared = await createTestDatabase(dialect);
  // See store.test.ts: at most three SQLite stores write at once in one process.
  const heads = dialect === 'sqlite' ? 3 : 4;

  describe(`idempotent publishing on ${dialect}`, { skip: 'skip' in shared ? shared.skip : false }, () => {
    if ('skip' in shared) return;
    let store: Store;
    before(async () => { store = await openStore(shared.dsn); });
    after(async () => { await store.close(); await shared.dispose(); });

    it('the same key and fingerprint replay the original rows and take no sequence number', async () => {
      const name = feedName('replay');
      const key = randomUUID();
      const first = await store.append(keyed(name, key, 'sha256:one', LONG_AGO, 2));
      assert.equal(first.replayed, false);
      assert.deepEqual(seqsOf(first.entries), [1, 2]);
      const again = await store.append(keyed(name, key, 'sha256:one'));
      assert.equal(again.replayed, true);
      assert.deepEqual(again.entries, first.entries, 'the original rows, not the retry’s');
      assert.equal(again.feed.lastSeq, 2);
      assert.deepEqual(seqsOf(await store.readAfter(first.feed.id, 0, 10)), [1, 2]);
      assert.deepEqual(seqsOf((await store.append({ feed: name, entries: [newEntry()] })).entries), [3], 'still gapless');
    });

    it("the same key with another fingerprint is refused ('key-reused'), and takes no sequence number", async () => {
      const name = feedName('reused');
      const key = randomUUID();
      await store.append(keyed(name, key, 'sha256:one'));
      await assert.rejects(store.append(keyed(name, key, 'sha256:two')),
        (e: unknown) => e instanceof AppendRejectedError && e.reason === 'key-reused');
      assert.equal((await store.findFeed(name))?.lastSeq, 1);
      assert.equal((await store.append(keyed(name, key, 'sha256:one'))).replayed, true, 'the original request still replays');
    });

    it('keys belong to one feed: the same key on another feed is a new publish', async () => {
      const key = randomUUID();
      const a = await store.append(keyed(feedName('keyfeed-a'), key));
      const b = await store.append(keyed(feedName('keyfeed-b'), key, 'sha256:other'));
      assert.equal(b.replayed, false);
      assert.notEqual(b.feed.id, a.feed.id);
    });

    it('an expired key (created before notBefore) is replaced by a new append', async () => {
      const name = feedName('expired');
      const key = randomUUID();
      const first = await store.append(keyed(name, key));
      const later = await store.append(keyed(name, key, 'sha256:aaaa', FAR_AHEAD));
      assert.equal(later.replayed, false);
      assert.deepEqual(seqsOf(later.entries), [2]);
      const replay = await store.append(keyed(name, key));
      assert.equal(replay.replayed, true);
      assert.deepEqual(replay.entries, later.entries, 'the key now names the newer append');
      const reusedAfterExpiry = await store.append(keyed(name, key, 'sha256:different', FAR_AHEAD));
      assert.equal(reusedAfterExpiry.replayed, false, 'an expired key may carry another fingerprint');
      assert.notDeepEqual(reusedAfterExpiry.entries, first.entries);
    });

    it('a refused append keeps no key', async () => {
      const name = feedName('refusedkey');
      await store.append({ feed: name, entries: [newEntry()] });
      const key = randomUUID();
      await assert.rejects(store.append({ ...keyed(name, key), member: { key: 42, ifSeq: undefined } }),
        (e: unknown) => e instanceof AppendRejectedError && e.reason === 'no-member');
      assert.equal((await store.append(keyed(name, key))).replayed, false);
    });

    it('10 appends with one key in one store (one group-committed batch) create one row', async () => {
      const name = feedName('batchkey');
      const key = randomUUID();
      const results = await Promise.all(range(1, 10).map(() => store.append(keyed(name, key))));
      assert.equal(results.filter((r) => !r.replayed).length, 1);
      assert.deepEqual(new Set(results.map((r) => r.entries[0]?.atomId)).size, 1);
      assert.deepEqual(seqsOf(await store.readAfter(results[0]?.feed.id ?? -1, 0, 20)), [1]);
    });

    it(`10 appends with one key racing from ${heads} stores, on a new feed and on existing ones, create exactly one row`, () =>
      withStores(shared.dsn, heads, async (stores) => {
        for (const round of range(1, 4)) {
          const name = feedName(`race${round}`);
          if (round > 1) await store.ensureFeed(name);
          const key = randomUUID();
          const results = await Promise.all(range(0, 9).map((i) => (stores[i % heads] ?? store).append(keyed(name, key))));
          assert.equal(results.filter((r) => !r.replayed).length, 1, 'one append wins; the others replay it');
          assert.deepEqual(results.map((r) => r.entries.map((e) => [e.seq, e.member, e.atomId])),
            Array.from({ length: 10 }, () => results[0]?.entries.map((e) => [e.seq, e.member, e.atomId])), 'all return the same member');
          const feed = await store.findFeed(name);
          assert.equal(feed?.lastSeq, 1);
          assert.deepEqual(seqsOf(await store.readAfter(feed?.id ?? -1, 0, 20)), [1]);
        }
      }));

    it('expireIdempotencyKeys forgets keys created before the cut, and counts them', () => withFreshDatabase(dialect, async (db) => {
      await withStores(db.dsn, 1, async ([s]) => {
        assert.ok(s);
        const name = feedName('expire');
        const before = new Date(Date.now() - 60_000).toISOString();
        await s.append(keyed(name, 'k1'));
        await s.append(keyed(name, 'k2'));
        await s.append(keyed(feedName('expire-other'), 'k1'));
        assert.equal(await s.expireIdempotencyKeys(before), 0);
        assert.equal(await s.expireIdempotencyKeys(FAR_AHEAD), 3);
        assert.equal(await s.expireIdempotencyKeys(FAR_AHEAD), 0);
        const fresh = await s.append(keyed(name, 'k1', 'sha256:new'));
        assert.equal(fresh.replayed, false, 'a forgotten key is new again');
        assert.deepEqual(seqsOf(fresh.entries), [3]);
      });
    }));
  });
}
