import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../lib/storage/open.js';
import type { NewEntry, Store } from '../../lib/storage/store.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { feedName, newEntry, range, seqsOf, withStores } from './fixtures.js';

/** An entry written at `updated`, so that age-based pruning has times the test controls. */
function writtenAt(updated: string): NewEntry {
  return { ...newEntry(), updated };
}

const OLD = '2020-01-01T00:00:00.000Z';
const CUTOFF = '2025-01-01T00:00:00.000Z';
const NEW = '2030-01-01T00:00:00.000Z';

// Feed administration and retention: settings, deleting feeds, pruning the oldest rows.
for (const dialect of DIALECTS) {
  const shared = await createTestDatabase(dialect);
  // See store.test.ts: at most three SQLite stores write at once in one process.
  const heads = dialect === 'sqlite' ? 3 : 4;

  describe(`feed settings and retention on ${dialect}`, { skip: 'skip' in shared ? shared.skip : false }, () => {
    if ('skip' in shared) return;
    let store: Store;
    before(async () => { store = await openStore(shared.dsn); });
    after(async () => { await store.close(); await shared.dispose(); });

    it('updateSettings creates a missing feed, sets the keys given, clears those given as undefined', async () => {
      const name = feedName('Settings');
      const created = await store.updateSettings(name, { maxCount: 100, pageSize: 25 });
      assert.equal(created.name, name);
      assert.equal(created.lastSeq, 0);
      assert.deepEqual(created.settings, { maxAgeSeconds: undefined, maxCount: 100, pageSize: 25 });
      assert.deepEqual(await store.findFeed(name), created);

      await store.append({ feed: name, entries: [newEntry()] });
      const changed = await store.updateSettings(name.toUpperCase(), { maxAgeSeconds: 86_400, maxCount: undefined });
      assert.equal(changed.id, created.id);
      assert.equal(changed.lastSeq, 1, 'settings leave the log alone');
      assert.deepEqual(changed.settings, { maxAgeSeconds: 86_400, maxCount: undefined, pageSize: 25 });
      assert.deepEqual(await store.updateSettings(name, {}), changed);
      assert.deepEqual((await store.findFeed(name))?.settings, changed.settings);
    });

    it('updateSettings refuses a setting that is not an integer, and creates no feed', async () => {
      const name = feedName('badsetting');
      await assert.rejects(store.updateSettings(name, { maxCount: 1.5 }), /max_count is not an integer/);
      assert.equal(await store.findFeed(name), undefined);
    });

    it('deleteFeed removes the feed with its rows, media and keys; a new feed of that name starts over', async () => {
      const name = feedName('doomed');
      const key = randomUUID();
      const { feed } = await store.append({ feed: name, entries: [{ ...newEntry(), mediaType: 'text/plain' }],
        media: { type: 'text/plain', bytes: Uint8Array.from([1, 2, 3]) }, idempotency: { key, fingerprint: 'f', notBefore: OLD } });
      const neighbour = await store.append({ feed: feedName('neighbour'), entries: [newEntry()] });

      assert.equal(await store.deleteFeed(name.toUpperCase()), true);
      assert.equal(await store.deleteFeed(name), false);
      assert.equal(await store.findFeed(name), undefined);
      assert.deepEqual(await store.readAfter(feed.id, 0, 10), []);
      assert.equal(await store.readMedia(feed.id, 1), undefined);
      assert.equal(await store.lastSeq(feed.id), 0);
      assert.deepEqual(seqsOf(await store.readAfter(neighbour.feed.id, 0, 10)), [1], 'other feeds keep their rows');

      const reborn = await store.append({ feed: name, entries: [newEntry()], idempotency: { key, fingerprint: 'f', notBefore: OLD } });
      assert.equal(reborn.replayed, false, 'the key went with the feed');
      assert.notEqual(reborn.feed.id, feed.id);
      assert.deepEqual(seqsOf(reborn.entries), [1]);
      assert.equal(await store.deleteFeed(feedName('never')), false);
    });

    it('prune by count keeps the newest rows, records the cut, and the log goes on numbering', async () => {
      const name = feedName('count');
      const { feed } = await store.append({ feed: name, entries: range(1, 10).map(() => newEntry()) });
      assert.equal(await store.prune(feed.id, { keepLast: 3, olderThan: undefined }), 7);
      assert.equal((await store.findFeed(name))?.prunedThrough, 7);
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 10)), [8, 9, 10], 'a cursor before the cut gets the oldest kept rows');
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 2, 2)), [8, 9]);
      assert.equal(await store.prune(feed.id, { keepLast: 3, olderThan: undefined }), 0);
      assert.equal(await store.prune(feed.id, { keepLast: 5, olderThan: undefined }), 0, 'a cut never moves back');
      assert.equal((await store.findFeed(name))?.prunedThrough, 7);
      assert.deepEqual(seqsOf((await store.append({ feed: name, entries: [newEntry()] })).entries), [11]);
      assert.equal(await store.prune(feed.id, { keepLast: 0, olderThan: undefined }), 4);
      assert.deepEqual(await store.readAfter(feed.id, 0, 10), []);
      assert.equal((await store.findFeed(name))?.lastSeq, 11);
      assert.equal(await store.prune(feed.id + 1_000_000, { keepLast: 0, olderThan: undefined }), 0);
    });

    it('prune by age removes only a prefix: never a row newer than one it keeps', async () => {
      const name = feedName('age');
      const { feed } = await store.append({ feed: name,
        entries: [writtenAt(OLD), writtenAt(OLD), writtenAt(OLD), writtenAt(NEW), writtenAt(OLD), writtenAt(NEW)] });
      assert.equal(await store.prune(feed.id, { olderThan: CUTOFF, keepLast: undefined }), 3);
      assert.equal((await store.findFeed(name))?.prunedThrough, 3);
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 10)), [4, 5, 6], 'seq 5 is old, but newer than kept seq 4');
      assert.equal(await store.prune(feed.id, { olderThan: CUTOFF, keepLast: undefined }), 0);
      assert.equal(await store.prune(feed.id, { olderThan: '2031-01-01T00:00:00.000Z', keepLast: undefined }), 3, 'all rows are old');
      assert.equal((await store.findFeed(name))?.prunedThrough, 6);
    });

    it('with both rules, prune cuts where the stricter one does', async () => {
      const { feed } = await store.append({ feed: feedName('both'), entries: [writtenAt(OLD), writtenAt(OLD), writtenAt(NEW), writtenAt(NEW), writtenAt(NEW)] });
      assert.equal(await store.prune(feed.id, { olderThan: CUTOFF, keepLast: 4 }), 2);
      assert.equal(await store.prune(feed.id, { olderThan: CUTOFF, keepLast: 1 }), 2);
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 10)), [5]);
    });

    it('prune drops the media of members it removed entirely, and keeps it while a revision lives', async () => {
      const name = feedName('prunemedia');
      const media = { type: 'application/octet-stream', bytes: Uint8Array.from([0, 255]) };
      const { feed } = await store.append({ feed: name, entries: [{ ...newEntry(), mediaType: media.type }], media });
      await store.append({ feed: name, entries: [{ ...newEntry(), mediaType: media.type }], media });
      const revised = await store.findMember(feed.id, 2);
      assert.ok(revised);
      await store.append({ feed: name, entries: [{ ...newEntry('<revised/>'), atomId: revised.atomId, mediaType: media.type, mediaSeq: revised.mediaSeq }], member: { key: 2, ifSeq: 2 } });
      assert.equal(await store.prune(feed.id, { keepLast: 1, olderThan: undefined }), 2);
      assert.equal(await store.readMedia(feed.id, 1), undefined, 'member 1 is gone entirely');
      assert.deepEqual((await store.readMedia(feed.id, 2))?.type, media.type, 'member 2 lives on in seq 3');
      assert.deepEqual(seqsOf(await store.readMembers(feed.id, 10, 10)), [3]);
    });

    it(`prunes and settings racing appends from ${heads} stores leave one feed and a gapless suffix of the log`, () =>
      withStores(shared.dsn, heads, async (stores) => {
        const name = feedName('racing');
        const publishers = stores.slice(1).map(async (s) => {
          for (const _ of range(1, 15)) await s.append({ feed: name, entries: [newEntry(), newEntry()] });
        });
        const [admin] = stores;
        assert.ok(admin);
        const cuts: number[] = [];
        const pruning = (async () => {
          const feed = await admin.updateSettings(name, { maxCount: 5 });
          for (const _ of range(1, 15)) {
            await admin.prune(feed.id, { keepLast: 5, olderThan: undefined });
            cuts.push((await admin.findFeed(name))?.prunedThrough ?? -1);
          }
        })();
        await Promise.all([...publishers, pruning]);
        assert.deepEqual(cuts, [...cuts].sort((a, b) => a - b), 'the cut only moves forward');
        assert.equal((await store.listFeeds()).filter((f) => f.name === name).length, 1);
        const feed = await store.findFeed(name);
        assert.ok(feed);
        assert.equal(feed.lastSeq, (heads - 1) * 30);
        assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 1_000)), range(feed.prunedThrough + 1, feed.lastSeq));
      }));

    it('one prune call removes at most 10,000 rows; the next call goes on', async () => {
      const name = feedName('chunk');
      const { feed } = await store.append({ feed: name, entries: range(1, 10_005).map(() => newEntry('<e/>')) });
      assert.equal(await store.prune(feed.id, { keepLast: 0, olderThan: undefined }), 10_000);
      assert.equal((await store.findFeed(name))?.prunedThrough, 10_000);
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 10)), range(10_001, 10_005));
      assert.equal(await store.prune(feed.id, { keepLast: 0, olderThan: undefined }), 5);
      assert.equal((await store.findFeed(name))?.prunedThrough, 10_005);
    });
  });
}
