import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';
import type { TestDatabase } from '../support/databases.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { entryXml, parseClaim, pathOf } from './claims.js';

for (const dialect of DIALECTS) {
  describe(`consumer groups on ${dialect}: claims, acks, nacks, parking and exact figures`, () => {
    let db: TestDatabase | { skip: string };
    let t: TestApp;
    before(async () => {
      db = await createTestDatabase(dialect);
      if ('dsn' in db) t = await startApp({ dsn: db.dsn });
    });
    after(async () => {
      if ('dsn' in db) {
        await t.close();
        await db.dispose();
      }
    });
    const skip = (ctx: { skip: (reason: string) => void }): boolean => {
      if ('skip' in db) ctx.skip(db.skip);
      return 'skip' in db;
    };
    const publish = async (feed: string, n: number, prefix = 'm'): Promise<void> => {
      for (let i = 1; i <= n; i++) assert.equal((await t.call(`POST /feeds/${feed}`, { body: entryXml(`${prefix}${i}`) })).status, 201);
    };
    const status = async (feed: string, group: string): Promise<Record<string, unknown>> => {
      const response = await t.call(`GET /feeds/${feed}/groups/${group}`);
      assert.equal(response.status, 200, response.body);
      assert.equal(response.headers['content-type'], 'application/json');
      return JSON.parse(response.body) as Record<string, unknown>;
    };
    const figures = async (feed: string, group: string): Promise<Record<string, unknown>> => {
      const s = await status(feed, group);
      return { ackedThrough: s['ackedThrough'], lastSeq: s['lastSeq'], lag: s['lag'], leased: s['leased'], available: s['available'], delayed: s['delayed'], parked: s['parked'] };
    };
    const claim = async (path: string): Promise<ReturnType<typeof parseClaim>> => {
      const response = await t.call(`POST ${path}`);
      assert.equal(response.status, 200, response.body);
      return parseClaim(response.body);
    };
    const post = async (href: string, body?: string): Promise<number> => (await t.call(`POST ${pathOf(href)}`, body === undefined ? {} : { body, headers: { 'Content-Type': 'text/uri-list' } })).status;

    it('lag figures are exact at every step of a scripted scenario', async (ctx) => {
      if (skip(ctx)) return;
      await publish('lag', 5);
      const created = await t.call('PUT /feeds/lag/groups/workers');
      assert.equal(created.status, 201, created.body);
      assert.match(created.headers['location'] ?? '', /\/feeds\/lag\/groups\/workers$/);
      assert.deepEqual(await figures('lag', 'workers'), { ackedThrough: 0, lastSeq: 5, lag: 5, leased: 0, available: 5, delayed: 0, parked: 0 });

      const first = await claim('/feeds/lag/groups/workers/claims?max=2&lease=60');
      assert.deepEqual(first.map((c) => [c.seq, c.title, c.deliveries]), [[1, 'm1', 1], [2, 'm2', 1]]);
      assert.deepEqual(await figures('lag', 'workers'), { ackedThrough: 0, lastSeq: 5, lag: 5, leased: 2, available: 3, delayed: 0, parked: 0 });

      const [one, two] = first;
      assert.ok(one !== undefined && two !== undefined);
      assert.equal(await post(one.ack), 204);
      assert.equal(await post(one.ack), 204, 'a repeated ack of the same lease is a 2xx');
      assert.deepEqual(await figures('lag', 'workers'), { ackedThrough: 1, lastSeq: 5, lag: 4, leased: 1, available: 3, delayed: 0, parked: 0 });

      assert.equal(await post(two.nack), 204);
      assert.deepEqual(await figures('lag', 'workers'), { ackedThrough: 1, lastSeq: 5, lag: 4, leased: 0, available: 4, delayed: 0, parked: 0 });
      assert.equal(await post(two.ack), 204, 'an ack after a nack, with no newer lease, still counts');
      assert.deepEqual(await figures('lag', 'workers'), { ackedThrough: 2, lastSeq: 5, lag: 3, leased: 0, available: 3, delayed: 0, parked: 0 });

      const rest = await claim('/feeds/lag/groups/workers/claims?max=10&lease=60');
      assert.deepEqual(rest.map((c) => c.seq), [3, 4, 5]);
      const [three, four, five] = rest;
      assert.ok(three !== undefined && four !== undefined && five !== undefined);
      assert.equal(await post(five.nack.replace(/$/, '?delay=600')), 204);
      assert.deepEqual(await figures('lag', 'workers'), { ackedThrough: 2, lastSeq: 5, lag: 3, leased: 2, available: 0, delayed: 1, parked: 0 });

      const batch = await t.call('POST /feeds/lag/groups/workers/ack', { body: `# two acks\n${four.ack}\n${three.ack.split('/').at(-1) ?? ''}\n`, headers: { 'Content-Type': 'text/uri-list' } });
      assert.equal(batch.status, 200, batch.body);
      assert.deepEqual(JSON.parse(batch.body), { acked: 2, conflicts: [], unknown: [] });
      assert.deepEqual(await figures('lag', 'workers'), { ackedThrough: 4, lastSeq: 5, lag: 1, leased: 0, available: 0, delayed: 1, parked: 0 });

      await publish('lag', 2, 'n');
      assert.deepEqual(await figures('lag', 'workers'), { ackedThrough: 4, lastSeq: 7, lag: 3, leased: 0, available: 2, delayed: 1, parked: 0 });
      const next = await claim('/feeds/lag/groups/workers/claims?max=5');
      assert.deepEqual(next.map((c) => c.seq), [6, 7], 'the delayed entry is not handed out before its delay');
      for (const c of next) assert.equal(await post(c.ack), 204);
      assert.equal(await post(five.ack), 204);
      const done = await status('lag', 'workers');
      assert.deepEqual({ ackedThrough: done['ackedThrough'], lag: done['lag'], oldest: done['oldestUnackedSeconds'] }, { ackedThrough: 7, lag: 0, oldest: 0 });
      const empty = await claim('/feeds/lag/groups/workers/claims?max=5');
      assert.deepEqual(empty, []);
    });

    it('a group can start at the end or after any cursor, and PUT again changes settings, not position', async (ctx) => {
      if (skip(ctx)) return;
      await publish('starts', 4);
      assert.equal((await t.call('PUT /feeds/starts/groups/late?start=end')).status, 201);
      assert.equal((await t.call('PUT /feeds/starts/groups/mid?start=2&lease=5&max_deliveries=3')).status, 201);
      assert.deepEqual((await figures('starts', 'late'))['lag'], 0);
      assert.deepEqual((await claim('/feeds/starts/groups/mid/claims?max=9')).map((c) => c.seq), [3, 4]);
      const again = await t.call('PUT /feeds/starts/groups/MID?start=beginning&lease=7', {});
      assert.equal(again.status, 200);
      const s = JSON.parse(again.body) as Record<string, unknown>;
      assert.deepEqual([s['name'], s['leaseSeconds'], s['maxDeliveries'], s['leased'], s['available']], ['mid', 7, 3, 2, 0]);
      const list = JSON.parse((await t.call('GET /feeds/starts/groups')).body) as { groups: Array<{ name: string; lag: number }> };
      assert.deepEqual(list.groups.map((g) => [g.name, g.lag]), [['late', 0], ['mid', 2]]);
      assert.equal((await t.call('DELETE /feeds/starts/groups/late')).status, 204);
      assert.equal((await t.call('GET /feeds/starts/groups/late')).status, 404);
      assert.equal((await t.call('PUT /feeds/starts/groups/.bad')).status, 404);
      assert.equal((await t.call('PUT /feeds/starts/groups/x?lease=abc')).status, 400);
      assert.equal((await t.call('PUT /feeds/starts/groups/x?start=999')).status, 400);
      assert.equal((await t.call('GET /feeds/starts/groups/mid/claims')).status, 405);
      assert.equal((await t.call('POST /feeds/starts/groups/mid/ack/garbage')).status, 404);
      assert.equal((await t.call('POST /feeds/nofeed/groups/mid/claims')).status, 404);
    });

    it('poison: parked after the maximum deliveries, listed, counted, and delivered again after replay', async (ctx) => {
      if (skip(ctx)) return;
      await publish('poison', 2);
      assert.equal((await t.call('PUT /feeds/poison/groups/g?max_deliveries=2')).status, 201);
      const firstTry = await claim('/feeds/poison/groups/g/claims?max=1');
      assert.equal(await post(firstTry[0]?.nack ?? ''), 204);
      const secondTry = await claim('/feeds/poison/groups/g/claims?max=1');
      assert.deepEqual(secondTry.map((c) => [c.seq, c.deliveries]), [[1, 2]]);
      assert.equal(await post(secondTry[0]?.nack ?? ''), 204);
      assert.deepEqual(await figures('poison', 'g'), { ackedThrough: 1, lastSeq: 2, lag: 1, leased: 0, available: 1, delayed: 0, parked: 1 });
      const parked = await t.call('GET /feeds/poison/groups/g/parked');
      assert.equal(parked.status, 200);
      assert.deepEqual(parseClaim(parked.body).map((p) => [p.seq, p.deliveries, p.ack]), [[1, 2, '']]);
      const next = await claim('/feeds/poison/groups/g/claims?max=5');
      assert.deepEqual(next.map((c) => c.seq), [2], 'the parked entry is not handed out');
      assert.equal(await post(next[0]?.ack ?? ''), 204);
      const replay = await t.call('POST /feeds/poison/groups/g/parked/replay');
      assert.deepEqual(JSON.parse(replay.body), { replayed: 1 });
      assert.deepEqual(await figures('poison', 'g'), { ackedThrough: 0, lastSeq: 2, lag: 1, leased: 0, available: 1, delayed: 0, parked: 0 });
      const redelivered = await claim('/feeds/poison/groups/g/claims?max=5');
      assert.deepEqual(redelivered.map((c) => [c.seq, c.title, c.deliveries]), [[1, 'm1', 1]]);
      assert.equal(await post(redelivered[0]?.ack ?? ''), 204);
      assert.deepEqual(await figures('poison', 'g'), { ackedThrough: 2, lastSeq: 2, lag: 0, leased: 0, available: 0, delayed: 0, parked: 0 });
    });

    it('a lease that runs out on the last allowed delivery parks the entry; a late ack of it still counts', async (ctx) => {
      if (skip(ctx)) return;
      await publish('expire', 2);
      assert.equal((await t.call('PUT /feeds/expire/groups/g?max_deliveries=1')).status, 201);
      const [a] = await claim('/feeds/expire/groups/g/claims?lease=0.05');
      assert.equal(a?.seq, 1);
      while ((await figures('expire', 'g'))['parked'] !== 1) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await figures('expire', 'g'), { ackedThrough: 1, lastSeq: 2, lag: 1, leased: 0, available: 1, delayed: 0, parked: 1 });
      assert.deepEqual((await claim('/feeds/expire/groups/g/claims?max=5&lease=60')).map((c) => c.seq), [2], 'the parked entry is not handed out');
      assert.deepEqual(parseClaim((await t.call('GET /feeds/expire/groups/g/parked')).body).map((p) => [p.seq, p.deliveries]), [[1, 1]]);
      assert.equal(await post(a?.ack ?? ''), 204, 'no newer lease: the late ack counts');
      assert.deepEqual(await figures('expire', 'g'), { ackedThrough: 1, lastSeq: 2, lag: 1, leased: 1, available: 0, delayed: 0, parked: 0 });
    });

    it('stale ack: after a lease runs out and another worker claims the entry, only the newer lease can ack', async (ctx) => {
      if (skip(ctx)) return;
      await publish('stale', 1);
      assert.equal((await t.call('PUT /feeds/stale/groups/g')).status, 201);
      const [a] = await claim('/feeds/stale/groups/g/claims?lease=1');
      assert.ok(a !== undefined);
      // B waits for work: the claim returns when A's lease runs out, on the database clock.
      const waited = await t.call('POST /feeds/stale/groups/g/claims?wait=10');
      assert.equal(waited.headers['preference-applied'], 'wait=10');
      const [b] = parseClaim(waited.body);
      assert.ok(b !== undefined);
      assert.deepEqual([b.seq, b.deliveries], [1, 2], 'the redelivery counts');
      assert.ok(b.expiresMs > a.expiresMs);
      const [ackA, ackB] = await Promise.all([post(a.ack), post(b.ack)]);
      assert.deepEqual([ackA, ackB], [409, 204], 'exactly one ack counts; the stale one is a conflict');
      assert.equal(await post(a.ack), 409, 'and stays one');
      assert.equal(await post(b.ack), 204);
      assert.equal((await figures('stale', 'g'))['lag'], 0);
    });

    it('a waiting claim wakes when a nack delay runs out', async (ctx) => {
      if (skip(ctx)) return;
      await publish('delay', 1);
      assert.equal((await t.call('PUT /feeds/delay/groups/g')).status, 201);
      const [a] = await claim('/feeds/delay/groups/g/claims?lease=60');
      assert.equal(await post(`${a?.nack ?? ''}?delay=1`), 204);
      const waited = await t.call('POST /feeds/delay/groups/g/claims?wait=10');
      assert.equal(waited.headers['preference-applied'], 'wait=10', 'nothing was available at first: the claim waited');
      assert.deepEqual(parseClaim(waited.body).map((c) => [c.seq, c.deliveries]), [[1, 2]]);
    });

    it('a late ack with no newer lease counts; a waiting claim wakes on a nack', async (ctx) => {
      if (skip(ctx)) return;
      await publish('late', 1);
      assert.equal((await t.call('PUT /feeds/late/groups/g')).status, 201);
      const [a] = await claim('/feeds/late/groups/g/claims?lease=60');
      assert.ok(a !== undefined);
      const waiting = t.call('POST /feeds/late/groups/g/claims?wait=20');
      assert.equal(await post(a.nack), 204);
      const [b] = parseClaim((await waiting).body);
      assert.deepEqual([b?.seq, b?.deliveries], [1, 2]);
      assert.equal(await post(a.ack), 409, 'the newer lease wins over an ack of the nacked one');
      await publish('late', 1);
      const [c] = await claim('/feeds/late/groups/g/claims?lease=0.05&max=2');
      assert.equal(c?.seq, 2);
      // Wait for the lease to run out, as status sees it on the database clock.
      while ((await figures('late', 'g'))['leased'] !== 1) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(await post(c?.ack ?? ''), 204, 'a late ack with no newer lease is a 2xx');
      assert.equal((await figures('late', 'g'))['lag'], 1, 'only b is left');
    });
  });
}
