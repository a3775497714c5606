import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../lib/storage/open.js';
import type { Store } from '../../lib/storage/store.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { feedName, newEntry } from './fixtures.js';

// Store.countEntries, the query behind `atommq feeds list`: written once, checked on every database.
for (const dialect of DIALECTS) {
  const shared = await createTestDatabase(dialect);

  describe(`counting a feed's live entries on ${dialect}`, { skip: 'skip' in shared ? shared.skip : false }, () => {
    if ('skip' in shared) return;
    let store: Store;
    before(async () => { store = await openStore(shared.dsn); });
    after(async () => { await store.close(); await shared.dispose(); });

    it('counts each live member once: a revision does not add one, a tombstone removes one', async () => {
      const name = feedName('count');
      const [a, b, c] = [newEntry(), newEntry(), newEntry()];
      const { feed } = await store.append({ feed: name, entries: [a, b, c] });
      assert.equal(await store.countEntries(feed.id), 3);
      await store.append({ feed: name, entries: [{ ...newEntry('<revised/>'), atomId: a.atomId }], member: { key: 1, ifSeq: 1 } });
      await store.append({ feed: name, entries: [{ ...newEntry('<deleted/>'), atomId: b.atomId, kind: 'tombstone' }], member: { key: 2, ifSeq: undefined } });
      assert.equal(await store.countEntries(feed.id), 2);
      assert.equal((await store.findFeed(name))?.lastSeq, 5);
    });

    it('counts nothing for an empty feed and nothing after retention removed every row', async () => {
      const empty = await store.ensureFeed(feedName('count-empty'));
      assert.equal(await store.countEntries(empty.id), 0);
      const { feed } = await store.append({ feed: feedName('count-pruned'), entries: [newEntry(), newEntry()] });
      assert.equal(await store.prune(feed.id, { olderThan: undefined, keepLast: 0 }), 2);
      assert.equal(await store.countEntries(feed.id), 0);
    });
  });
}
