import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runMaintenance } from '../../lib/admin.js';
import { openStore } from '../../lib/storage/open.js';
import { parseFeed } from '../support/atom.js';
import { startApp } from '../support/app.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const atom = (title: string): string => `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title></entry>`;

describe('retention', () => {
  it('by count: the oldest are pruned, a pruned cursor resumes at the oldest kept entry, and says so', async () => {
    const t = await startApp();
    try {
      for (let n = 1; n <= 10; n++) await t.call('POST /feeds/count', { headers: ENTRY, body: atom(`c${n}`) });
      const store = await openStore(`sqlite:${t.dir}/bus.db`);
      try {
        await store.updateSettings('count', { maxCount: 4 });
        const removed = await runMaintenance(store, new Date(), 86_400, 'count');
        assert.equal(removed.get('count'), 6);
      } finally {
        await store.close();
      }
      const fromPruned = await t.call('GET /feeds/count', { headers: { Xlastid: '2' } });
      assert.equal(fromPruned.status, 200);
      assert.deepEqual(parseFeed(fromPruned.body).entries.map((e) => e.title), ['c7', 'c8', 'c9', 'c10']);
      assert.equal(fromPruned.headers['atommq-pruned-through'], '6');
      const current = await t.call('GET /feeds/count', { headers: { Xlastid: '8' } });
      assert.deepEqual(parseFeed(current.body).entries.map((e) => e.title), ['c9', 'c10']);
      assert.equal(current.headers['atommq-pruned-through'], undefined, 'no notice for a cursor that lost nothing');
    } finally {
      await t.close();
    }
  });

  it('by age: entries older than the limit go, and nothing newer than a kept entry is removed', async () => {
    let clock = new Date('2026-01-01T00:00:00Z');
    const t = await startApp({ now: () => clock });
    try {
      for (let n = 1; n <= 6; n++) {
        clock = new Date(Date.UTC(2026, 0, 1, 0, n));
        await t.call('POST /feeds/age', { headers: ENTRY, body: atom(`a${n}`) });
      }
      const store = await openStore(`sqlite:${t.dir}/bus.db`);
      try {
        await store.updateSettings('age', { maxAgeSeconds: 150 });
        // At 00:06:00, a 150 s limit keeps entries written at 00:04 and later.
        await runMaintenance(store, new Date(Date.UTC(2026, 0, 1, 0, 6)), 86_400, 'age');
      } finally {
        await store.close();
      }
      assert.deepEqual(parseFeed((await t.call('GET /feeds/age')).body).entries.map((e) => e.title), ['a4', 'a5', 'a6']);
      const fromStart = await t.call('GET /feeds/age?start_after=0');
      assert.equal(fromStart.headers['atommq-pruned-through'], '3');
    } finally {
      await t.close();
    }
  });

  it('publishing applies the limits as it goes', async () => {
    const t = await startApp();
    try {
      const store = await openStore(`sqlite:${t.dir}/bus.db`);
      await store.updateSettings('onwrite', { maxCount: 10 });
      await store.close();
      for (let n = 1; n <= 70; n++) await t.call('POST /feeds/onwrite', { headers: ENTRY, body: atom(`w${n}`) });
      const page = parseFeed((await t.call('GET /feeds/onwrite')).body);
      assert.ok(page.entries.length < 70 && page.entries.length >= 10, `kept ${page.entries.length}`);
      assert.equal(page.entries.at(-1)?.title, 'w70');
    } finally {
      await t.close();
    }
  });
});
