import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { runMaintenance } from '../../lib/admin.js';
import { openStore } from '../../lib/storage/open.js';
import type { Store } from '../../lib/storage/store.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';
import type { TestDatabase } from '../support/databases.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { CLI } from '../support/processes.js';
import { entryXml, parseClaim, pathOf } from './claims.js';

const run = promisify(execFile);
const FAR_FUTURE = new Date('2100-01-01T00:00:00Z');

for (const dialect of DIALECTS) {
  describe(`consumer groups on ${dialect}: retention never prunes what a group needs`, () => {
    let db: TestDatabase | { skip: string };
    let t: TestApp;
    let store: Store;
    before(async () => {
      db = await createTestDatabase(dialect);
      if (!('dsn' in db)) return;
      t = await startApp({ dsn: db.dsn });
      store = await openStore(db.dsn);
    });
    after(async () => {
      if (!('dsn' in db)) return;
      await store.close();
      await t.close();
      await db.dispose();
    });
    const publish = async (feed: string, n: number): Promise<void> => {
      for (let i = 1; i <= n; i++) assert.equal((await t.call(`POST /feeds/${feed}`, { body: entryXml(`r${i}`) })).status, 201);
    };
    const status = async (feed: string, group: string): Promise<Record<string, unknown>> => JSON.parse((await t.call(`GET /feeds/${feed}/groups/${group}`)).body) as Record<string, unknown>;
    const prunedThrough = async (feed: string): Promise<number> => (await store.findFeed(feed))?.prunedThrough ?? -1;
    const feedsList = async (): Promise<string> => (await run(process.execPath, [CLI, 'feeds', 'list', '--dsn', 'dsn' in db ? db.dsn : ''])).stdout;

    it('by count: leased, available and parked entries stay; by age: parked ones go, and status counts them', async (ctx) => {
      if ('skip' in db) return ctx.skip(db.skip);
      await publish('keep', 10);
      assert.equal((await t.call('PUT /feeds/keep/groups/g?max_deliveries=1')).status, 201);
      const claimed = parseClaim((await t.call('POST /feeds/keep/groups/g/claims?max=3&lease=60')).body);
      assert.equal((await t.call(`POST ${pathOf(claimed[0]?.ack ?? '')}`)).status, 204);
      await store.updateSettings('keep', { maxCount: 2 });
      await runMaintenance(store, new Date(), 86_400, 'keep');
      assert.equal(await prunedThrough('keep'), 1, 'entry 2 is leased: nothing from it on is pruned');
      assert.equal((await status('keep', 'g'))['holdsRetention'], true);
      assert.match(await feedsList(), /^keep\t.*\theld_by=g$/m);

      assert.equal((await t.call(`POST ${pathOf(claimed[1]?.nack ?? '')}`)).status, 204, 'its only delivery: entry 2 is parked');
      assert.equal((await t.call(`POST ${pathOf(claimed[2]?.ack ?? '')}`)).status, 204);
      for (const item of parseClaim((await t.call('POST /feeds/keep/groups/g/claims?max=100')).body)) {
        assert.equal((await t.call(`POST ${pathOf(item.ack)}`)).status, 204);
      }
      await runMaintenance(store, new Date(), 86_400, 'keep');
      assert.equal(await prunedThrough('keep'), 1, 'the count limit keeps the parked entry for replay');
      const parked = await status('keep', 'g');
      assert.deepEqual([parked['parked'], parked['lag'], parked['ackedThrough'], parked['holdsRetention']], [1, 0, 10, true]);

      await store.updateSettings('keep', { maxAgeSeconds: 60 });
      await runMaintenance(store, FAR_FUTURE, 86_400, 'keep');
      assert.equal(await prunedThrough('keep'), 10, 'past the age limit the parked entry goes too');
      const expired = await status('keep', 'g');
      assert.deepEqual([expired['parked'], expired['parkedExpired'], expired['lag'], expired['holdsRetention']], [0, 1, 0, false]);
      assert.equal(parseClaim((await t.call('GET /feeds/keep/groups/g/parked')).body).length, 0);
      assert.doesNotMatch(await feedsList(), /^keep\t.*held_by/m);
    });

    it('a group that has not started holds everything back, even past the age limit; deleting it lets retention run', async (ctx) => {
      if ('skip' in db) return ctx.skip(db.skip);
      await publish('slow', 10);
      assert.equal((await t.call('PUT /feeds/slow/groups/laggard')).status, 201);
      assert.equal((await t.call('PUT /feeds/slow/groups/current?start=end')).status, 201);
      await store.updateSettings('slow', { maxCount: 2, maxAgeSeconds: 60 });
      await runMaintenance(store, FAR_FUTURE, 86_400, 'slow');
      assert.equal(await prunedThrough('slow'), 0);
      const [laggard, current] = [await status('slow', 'laggard'), await status('slow', 'current')];
      assert.deepEqual([laggard['holdsRetention'], laggard['lag'], current['holdsRetention'], current['lag']], [true, 10, false, 0]);
      assert.equal((await t.call('DELETE /feeds/slow/groups/laggard')).status, 204);
      await runMaintenance(store, new Date(), 86_400, 'slow');
      assert.equal(await prunedThrough('slow'), 8);
      assert.equal((await store.deleteFeed('slow')), true, 'a feed with groups can be deleted');
      assert.equal((await t.call('GET /feeds/slow/groups/current')).status, 404);
    });
  });
}
