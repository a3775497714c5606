import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../lib/storage/open.js';
import { AppendRejectedError, type AppendRejection, type NewEntry, type Store } from '../../lib/storage/store.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { feedName, newEntry, range, seqsOf, withStores } from './fixtures.js';

/** Asserts that `attempt` is refused with `reason`, and with nothing else. */
async function assertRefused(attempt: Promise<unknown>, reason: AppendRejection): Promise<void> {
  await assert.rejects(attempt, (e: unknown) => e instanceof AppendRejectedError && e.reason === reason);
}

function revisionOf(entry: NewEntry, xml: string): NewEntry {
  return { ...newEntry(xml), atomId: entry.atomId };
}

function tombstoneOf(entry: NewEntry): NewEntry {
  return { ...newEntry('<deleted/>'), atomId: entry.atomId, kind: 'tombstone' };
}

// RFC 5023 §9.3, §9.4, §9.6: revisions (PUT), tombstones (DELETE) and media resources, as rows of
// the log, on every database.
for (const dialect of DIALECTS) {
  const shared = await createTestDatabase(dialect);
  // See store.test.ts: at most three SQLite stores write at once in one process.
  const heads = dialect === 'sqlite' ? 3 : 4;

  describe(`edits and media on ${dialect}`, { skip: 'skip' in shared ? shared.skip : false }, () => {
    if ('skip' in shared) return;
    let store: Store;
    before(async () => { store = await openStore(shared.dsn); });
    after(async () => { await store.close(); await shared.dispose(); });

    it('a revision joins its member: findMember returns it, readMembers shows each live member once', async () => {
      const name = feedName('revise');
      const [a, b, c] = [newEntry(), newEntry(), newEntry()];
      const { feed } = await store.append({ feed: name, entries: [a, b, c] });
      const revised = revisionOf(a, '<revised/>');
      const put = await store.append({ feed: name, entries: [revised], member: { key: 1, ifSeq: 1 } });
      assert.deepEqual(put.entries, [{ ...revised, seq: 4, member: 1 }]);
      assert.equal(put.replayed, false);
      assert.equal(put.feed.lastSeq, 4);
      assert.equal(put.feed.updated, revised.updated);
      assert.deepEqual(await store.findMember(feed.id, 1), { ...revised, seq: 4, member: 1 });
      assert.deepEqual(seqsOf(await store.readMembers(feed.id, 5, 10)), [4, 3, 2], 'newest first, one row per member');

      await store.append({ feed: name, entries: [tombstoneOf(b)], member: { key: 2, ifSeq: undefined } });
      assert.equal((await store.findMember(feed.id, 2))?.kind, 'tombstone');
      assert.deepEqual(seqsOf(await store.readMembers(feed.id, 6, 10)), [4, 3], 'a deleted member is left out');
      assert.deepEqual(seqsOf(await store.readMembers(feed.id, 6, 1)), [4]);
      assert.deepEqual(seqsOf(await store.readMembers(feed.id, 4, 10)), [3], 'a page before seq 4 holds the members last written there');
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 10)), range(1, 5), 'the log keeps every row');
      assert.equal((await store.findByAtomId(feed.id, a.atomId))?.seq, 1);
      assert.deepEqual(await store.findMember(feed.id, 3), { ...c, seq: 3, member: 3 });
    });

    it("refuses revisions of missing ('no-member'), deleted ('gone') and changed ('stale') members", async () => {
      const name = feedName('refuse');
      const [a, b] = [newEntry(), newEntry()];
      const { feed } = await store.append({ feed: name, entries: [a, b] });
      await store.append({ feed: name, entries: [revisionOf(a, '<r/>')], member: { key: 1, ifSeq: 1 } });
      await store.append({ feed: name, entries: [tombstoneOf(b)], member: { key: 2, ifSeq: 2 } });

      await assertRefused(store.append({ feed: name, entries: [newEntry()], member: { key: 99, ifSeq: undefined } }), 'no-member');
      await assertRefused(store.append({ feed: name, entries: [newEntry()], member: { key: 3, ifSeq: undefined } }), 'no-member');
      await assertRefused(store.append({ feed: name, entries: [revisionOf(b, '<r/>')], member: { key: 2, ifSeq: undefined } }), 'gone');
      await assertRefused(store.append({ feed: name, entries: [tombstoneOf(b)], member: { key: 2, ifSeq: 4 } }), 'gone');
      await assertRefused(store.append({ feed: name, entries: [revisionOf(a, '<r2/>')], member: { key: 1, ifSeq: 1 } }), 'stale');

      // A refused append takes no sequence number: the log stays gapless.
      assert.equal((await store.findFeed(name))?.lastSeq, 4);
      const next = await store.append({ feed: name, entries: [revisionOf(a, '<r3/>')], member: { key: 1, ifSeq: 3 } });
      assert.deepEqual(seqsOf(next.entries), [5]);
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 10)), range(1, 5));
    });

    it('a refused revision of a feed that does not exist creates no feed', async () => {
      const name = feedName('nofeed');
      await assertRefused(store.append({ feed: name, entries: [newEntry()], member: { key: 1, ifSeq: undefined } }), 'no-member');
      assert.equal(await store.findFeed(name), undefined);
    });

    it('a refused append in a group-committed batch fails alone; the others commit gaplessly', async () => {
      const name = feedName('batch');
      const { feed } = await store.append({ feed: name, entries: [newEntry()] });
      const settled = await Promise.allSettled(range(1, 12).map((i) => (i % 3 === 0
        ? store.append({ feed: name, entries: [newEntry()], member: { key: 1000 + i, ifSeq: undefined } })
        : store.append({ feed: name, entries: [newEntry()] }))));
      const refused = settled.filter((s) => s.status === 'rejected');
      assert.equal(refused.length, 4);
      assert.ok(refused.every((s) => s.reason instanceof AppendRejectedError && s.reason.reason === 'no-member'));
      const seqs = settled.flatMap((s) => (s.status === 'fulfilled' ? seqsOf(s.value.entries) : []));
      assert.deepEqual(seqs.sort((x, y) => x - y), range(2, 9));
      assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 20)), range(1, 9));
      assert.equal((await store.append({ feed: name, entries: [newEntry()] })).entries[0]?.seq, 10, 'the store still takes writes');
    });

    it(`8 conditional revisions of one member racing from ${heads} stores: exactly one wins, the rest are 'stale'`, () =>
      withStores(shared.dsn, heads, async (stores) => {
        const name = feedName('ifmatch');
        const original = newEntry();
        const { feed } = await store.append({ feed: name, entries: [original] });
        const settled = await Promise.allSettled(range(0, 7).map((i) => (stores[i % heads] ?? store).append(
          { feed: name, entries: [revisionOf(original, `<r n="${i}"/>`)], member: { key: 1, ifSeq: 1 } })));
        assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 1);
        assert.ok(settled.every((s) => s.status === 'fulfilled' || (s.reason instanceof AppendRejectedError && s.reason.reason === 'stale')));
        assert.deepEqual(seqsOf(await store.readAfter(feed.id, 0, 20)), [1, 2]);
      }));

    it('stores media bytes exactly, with their type, under the new member', async () => {
      const name = feedName('media');
      // Not UTF-8: NUL, 0xff, a lone continuation byte, an overlong sequence, CR LF.
      const bytes = Uint8Array.from([0x00, 0xff, 0x80, 0xc0, 0xaf, 0x0d, 0x0a, 0x00, 0xfe]);
      const entry = { ...newEntry('<media-link/>'), mediaType: 'image/x-test' };
      const { feed, entries } = await store.append({ feed: name, entries: [entry], media: { type: 'image/x-test', bytes } });
      assert.deepEqual(entries, [{ ...entry, seq: 1, member: 1, mediaSeq: 1 }], 'the row that brings media keeps it at its own seq');
      const media = await store.readMedia(feed.id, 1);
      assert.ok(media && media.bytes instanceof Uint8Array);
      assert.equal(media.type, 'image/x-test');
      assert.deepEqual(Buffer.from(media.bytes), Buffer.from(bytes));
      assert.equal((await store.readAfter(feed.id, 0, 1))[0]?.mediaType, 'image/x-test');

      const big = randomBytes(1 << 20);
      const second = await store.append({ feed: name, entries: [{ ...newEntry('<big/>'), mediaType: 'application/octet-stream' }],
        media: { type: 'application/octet-stream', bytes: big } });
      assert.ok(Buffer.from((await store.readMedia(feed.id, second.entries[0]?.member ?? -1))?.bytes ?? []).equals(big));

      // A revision of the media link entry keeps the member, and so the media resource.
      await store.append({ feed: name, entries: [{ ...revisionOf(entry, '<edited/>'), mediaType: 'image/x-test', mediaSeq: 1 }], member: { key: 1, ifSeq: 1 } });
      assert.equal((await store.findMember(feed.id, 1))?.mediaSeq, 1);
      assert.equal((await store.readMedia(feed.id, 1))?.type, 'image/x-test');
      assert.equal(await store.readMedia(feed.id, 99), undefined);
      assert.equal((await store.append({ feed: name, entries: [newEntry()] })).entries[0]?.mediaType, undefined);
    });

    it('a refused append stores no media', async () => {
      const name = feedName('nomedia');
      const { feed } = await store.append({ feed: name, entries: [newEntry()] });
      await assertRefused(store.append({ feed: name, entries: [newEntry()], member: { key: 7, ifSeq: undefined },
        media: { type: 'text/plain', bytes: Uint8Array.from([1]) } }), 'no-member');
      assert.equal(await store.readMedia(feed.id, 2), undefined);
    });
  });
}
