import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../../lib/storage/open.js';
import { integerField } from '../../lib/storage/rows.js';
import type { Store } from '../../lib/storage/store.js';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { feedName, isPending, newEntry, range, rawQuery, withFreshDatabase, withStores, within } from './fixtures.js';

/** Long enough for any poll interval or NOTIFY round trip here; short enough to fail quickly. */
const WAKE_MS = 5_000;

/** Starts a wait that the test aborts in `finally`, whatever happens. */
function startWaiting(store: Store, feedId: number, afterSeq: number): { promise: Promise<void>; abort(): void } {
  const controller = new AbortController();
  return { promise: store.waitForAppend(feedId, afterSeq, controller.signal), abort: () => controller.abort() };
}

/** Sessions of this database that hold the PostgreSQL store's LISTEN connection. */
async function listenSessions(db: TestDatabase, state: string | undefined = undefined): Promise<number> {
  const database = new URL(db.dsn).pathname.slice(1);
  const [row] = await rawQuery(db, `SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = '${database}'
    AND application_name = 'atommq-listen'${state === undefined ? '' : ` AND state = '${state}' AND query = 'LISTEN atommq_append'`}`);
  return integerField(row, 'n');
}

/** Checks `condition` until it holds, for at most `ms`: for state that another process changes. */
async function eventually(ms: number, what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Long polling (Store.waitForAppend): consumers wait for a feed to grow past their cursor.
for (const dialect of DIALECTS) {
  const shared = await createTestDatabase(dialect);

  describe(`long polling on ${dialect}`, { skip: 'skip' in shared ? shared.skip : false }, () => {
    if ('skip' in shared) return;
    let store: Store;
    before(async () => { store = await openStore(shared.dsn); });
    after(async () => { await store.close(); await shared.dispose(); });

    it('resolves at once when the feed is already past the cursor', async () => {
      const { feed } = await store.append({ feed: feedName('past'), entries: [newEntry(), newEntry()] });
      await within(WAKE_MS, store.waitForAppend(feed.id, 1, new AbortController().signal), 'a wait behind the head');
    });

    it('wakes on an append by this store', async () => {
      const { feed } = await store.append({ feed: feedName('own'), entries: [newEntry()] });
      const waiter = startWaiting(store, feed.id, 1);
      try {
        assert.ok(await isPending(waiter.promise));
        await store.append({ feed: feed.name, entries: [newEntry()] });
        await within(WAKE_MS, waiter.promise, 'a waiter after an append by its own store');
      } finally { waiter.abort(); }
    });

    it('wakes on an append by another store (another web head), and not on appends to other feeds', () =>
      withStores(shared.dsn, 1, async ([other]) => {
        assert.ok(other);
        const watched = (await store.append({ feed: feedName('watched'), entries: [newEntry()] })).feed;
        const busy = (await store.append({ feed: feedName('busy'), entries: [newEntry()] })).feed;
        const onWatched = startWaiting(store, watched.id, 1);
        const onBusy = startWaiting(store, busy.id, 1);
        try {
          await other.append({ feed: busy.name, entries: [newEntry()] });
          await within(WAKE_MS, onBusy.promise, 'a waiter on the feed another head appended to');
          assert.ok(await isPending(onWatched.promise), 'a waiter on an untouched feed keeps waiting');
          for (const round of range(2, 4)) {
            // Each round starts after the previous one woke, so it also covers a settled listener.
            const next = round === 2 ? onWatched : startWaiting(store, watched.id, round - 1);
            try {
              await other.append({ feed: watched.name, entries: [newEntry()] });
              await within(WAKE_MS, next.promise, `round ${round}: a waiter woken by another head`);
            } finally { next.abort(); }
          }
        } finally {
          onWatched.abort();
          onBusy.abort();
        }
      }));

    it('100 aborted waits all resolve, and the store goes on serving waits', async () => {
      const { feed } = await store.append({ feed: feedName('abort'), entries: [newEntry()] });
      const controllers = range(1, 100).map(() => new AbortController());
      const waits = controllers.map((c) => store.waitForAppend(feed.id, 1, c.signal));
      assert.ok(await isPending(Promise.race(waits)));
      for (const c of controllers) c.abort();
      await within(WAKE_MS, Promise.all(waits), '100 aborted waits');
      const waiter = startWaiting(store, feed.id, 1);
      try {
        await store.append({ feed: feed.name, entries: [newEntry()] });
        await within(WAKE_MS, waiter.promise, 'a wait after the aborted ones');
      } finally { waiter.abort(); }
    });

    it('an already aborted signal resolves at once', async () => {
      const { feed } = await store.append({ feed: feedName('aborted'), entries: [newEntry()] });
      await within(WAKE_MS, store.waitForAppend(feed.id, 1, AbortSignal.abort()), 'a wait with an aborted signal');
    });

    it('closing a store wakes its waiters', async () => {
      const closing = await openStore(shared.dsn);
      const { feed } = await closing.append({ feed: feedName('closing'), entries: [newEntry()] });
      const waiter = startWaiting(closing, feed.id, 1);
      try {
        assert.ok(await isPending(waiter.promise));
        await closing.close();
        await within(WAKE_MS, waiter.promise, 'a waiter of a closed store');
      } finally { waiter.abort(); }
    });

    it('PostgreSQL: a NOTIFY from any session wakes the waiter, with no change a poll could see; close ends LISTEN',
      { skip: dialect !== 'postgres' && 'LISTEN/NOTIFY is PostgreSQL only' }, () => withFreshDatabase(dialect, async (db) => {
        const listening = await openStore(db.dsn);
        try {
          const { feed } = await listening.append({ feed: feedName('notify'), entries: [newEntry()] });
          const waiter = startWaiting(listening, feed.id, 1);
          try {
            await eventually(WAKE_MS, 'the LISTEN connection', async () => (await listenSessions(db, 'idle')) === 1);
            assert.ok(await isPending(waiter.promise));
            // last_seq stays 1: only the notification itself can wake this waiter.
            await rawQuery(db, `SELECT pg_notify('atommq_append', '${feed.id}:2')`);
            await within(WAKE_MS, waiter.promise, 'a waiter after NOTIFY');
          } finally { waiter.abort(); }
        } finally {
          await listening.close();
        }
        await eventually(WAKE_MS, 'closing the LISTEN connection', async () => (await listenSessions(db)) === 0);
      }));

    it('PostgreSQL: an append NOTIFYs feedId:lastSeq at commit', { skip: dialect !== 'postgres' && 'LISTEN/NOTIFY is PostgreSQL only' }, async () => {
      const client = new pg.Client({ connectionString: shared.dsn });
      await client.connect();
      try {
        await client.query('LISTEN atommq_append');
        const name = feedName('notifies');
        const feed = await store.ensureFeed(name);
        const heard = new Promise<string | undefined>((resolve) => client.on('notification', (m) => {
          if (m.payload?.startsWith(`${feed.id}:`)) resolve(m.payload);
        }));
        await store.append({ feed: name, entries: [newEntry(), newEntry(), newEntry()] });
        assert.equal(await within(WAKE_MS, heard, 'the NOTIFY of an append'), `${feed.id}:3`);
      } finally {
        await client.end();
      }
    });
  });
}
