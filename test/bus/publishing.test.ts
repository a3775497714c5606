import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFeed } from '../support/atom.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const atom = (title: string): string => `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title></entry>`;

describe('idempotent publishing (Idempotency-Key)', () => {
  let t: TestApp;
  before(async () => { t = await startApp(); });
  after(async () => t.close());

  it('10 concurrent POSTs with one key create one entry and all return the same Location', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () =>
      t.call('POST /feeds/idem', { headers: { ...ENTRY, 'Idempotency-Key': 'order-42' }, body: atom('once') })));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [201]);
    assert.equal(new Set(responses.map((r) => r.headers['location'])).size, 1);
    assert.equal(new Set(responses.map((r) => r.headers['etag'])).size, 1);
    assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 9);
    assert.equal(parseFeed((await t.call('GET /feeds/idem')).body).entries.length, 1);
  });

  it('the same key with another body is a 422 and creates nothing', async () => {
    await t.call('POST /feeds/idem2', { headers: { ...ENTRY, 'Idempotency-Key': '"k1"' }, body: atom('a') });
    const reused = await t.call('POST /feeds/idem2', { headers: { ...ENTRY, 'Idempotency-Key': '"k1"' }, body: atom('b') });
    assert.equal(reused.status, 422, reused.body);
    assert.equal(parseFeed((await t.call('GET /feeds/idem2')).body).entries.length, 1);
    assert.equal((await t.call('POST /feeds/idem2', { headers: { ...ENTRY, 'Idempotency-Key': 'bad key' }, body: atom('c') })).status, 400);
  });

  it('keys expire after the window', async () => {
    const short = await startApp({ idempotencySeconds: 1 });
    try {
      const first = await short.call('POST /feeds/exp', { headers: { ...ENTRY, 'Idempotency-Key': 'k' }, body: atom('a') });
      const replay = await short.call('POST /feeds/exp', { headers: { ...ENTRY, 'Idempotency-Key': 'k' }, body: atom('a') });
      assert.equal(replay.headers['location'], first.headers['location']);
      const later = new Date(Date.now() + 5_000);
      // A head whose clock is 5 s ahead sees the key as expired.
      const fresh = await startApp({ idempotencySeconds: 1, dsn: `sqlite:${short.dir}/bus.db`, now: () => later });
      try {
        const again = await fresh.call('POST /feeds/exp', { headers: { ...ENTRY, 'Idempotency-Key': 'k' }, body: atom('a') });
        assert.equal(again.status, 201);
        assert.notEqual(again.headers['location'], first.headers['location']);
      } finally {
        await fresh.app.close();
      }
    } finally {
      await short.close();
    }
  });
});
