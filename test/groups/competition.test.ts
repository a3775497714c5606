import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestDatabase } from '../support/databases.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import { httpFetch } from '../support/http.js';
import type { Running } from '../support/processes.js';
import { startServeHttp } from '../support/processes.js';
import type { Worker, WorkerEvent } from './workers.js';
import { overlappingLeases, startWorker } from './workers.js';

const TOTAL = 2000;
const BATCH = 20;

const batchOf = (from: number): string => `<feed xmlns="http://www.w3.org/2005/Atom">${
  Array.from({ length: BATCH }, (_, i) => `<entry><title>msg ${from + i}</title></entry>`).join('')}</feed>`;

/** Per seq, how many acks the server answered 204 to. */
function acksBySeq(events: readonly WorkerEvent[]): Map<number, number> {
  const acks = new Map<number, number>();
  for (const e of events) if (e.event === 'ack' && e.status === 204) acks.set(e.seq, (acks.get(e.seq) ?? 0) + 1);
  return acks;
}

for (const dialect of DIALECTS) {
  describe(`consumer groups on ${dialect}: competing worker processes on two heads`, () => {
    let db: TestDatabase | { skip: string };
    const heads: Array<Running & { port: number }> = [];
    before(async () => {
      db = await createTestDatabase(dialect);
      if (!('dsn' in db)) return;
      for (let i = 0; i < 2; i++) heads.push(await startServeHttp(['--dsn', db.dsn]));
    });
    after(async () => {
      for (const head of heads) await head.stop();
      if ('dsn' in db) await db.dispose();
    });

    it(`4 workers share ${TOTAL} messages published meanwhile: each acked exactly once, no lease overlaps`, async (ctx) => {
      if ('skip' in db) return ctx.skip(db.skip);
      const [one, two] = heads;
      assert.ok(one !== undefined && two !== undefined);
      assert.equal((await httpFetch(one.port, 'POST', '/feeds/jobs', { body: '<entry><title>msg 0</title></entry>' })).status, 201);
      assert.equal((await httpFetch(one.port, 'PUT', '/feeds/jobs/groups/workers?start=1')).status, 201);
      const racing = await Promise.all([one, two, one, two].map((head) => httpFetch(head.port, 'PUT', '/feeds/jobs/groups/racing')));
      assert.deepEqual(racing.map((r) => r.status).sort(), [200, 200, 200, 201], 'heads creating one group at once: exactly one creates it');
      const url = (port: number): string => `http://127.0.0.1:${port}/feeds/jobs/groups/workers`;
      const workers: Worker[] = [one, two, one, two].map((head) => startWorker(url(head.port), 'ack', 5, 30, TOTAL + 1));
      for (let from = 1; from <= TOTAL; from += BATCH) {
        const head = from % (2 * BATCH) === 1 ? one : two;
        const posted = await httpFetch(head.port, 'POST', '/feeds/jobs', { body: batchOf(from), headers: { 'Content-Type': 'application/atom+xml;type=feed' } });
        assert.equal(posted.status, 201, posted.body.slice(0, 200));
      }
      const codes = await Promise.all(workers.map((w) => w.exited));
      assert.deepEqual(codes, [0, 0, 0, 0], workers.map((w) => w.stderr()).join('\n'));
      const events = workers.flatMap((w) => w.events);
      const acks = acksBySeq(events);
      const missing = Array.from({ length: TOTAL }, (_, i) => i + 2).filter((seq) => acks.get(seq) !== 1);
      assert.deepEqual(missing, [], 'every message acked exactly once');
      assert.equal(acks.size, TOTAL);
      assert.deepEqual(overlappingLeases(events), []);
      assert.equal(events.filter((e) => e.event === 'lease').length, TOTAL, 'with 30 s leases nothing was leased twice');
      assert.ok(workers.every((w) => w.events.some((e) => e.event === 'ack')), 'every worker got a share');
      const status = JSON.parse((await httpFetch(two.port, 'GET', '/feeds/jobs/groups/workers')).body) as Record<string, number>;
      assert.deepEqual([status['ackedThrough'], status['lag'], status['leased'], status['parked']], [TOTAL + 1, 0, 0, 0]);
    });

    it('a worker killed with SIGKILL: its leases run out and the others get them, with the redelivery counted', async (ctx) => {
      if ('skip' in db) return ctx.skip(db.skip);
      const [one, two] = heads;
      assert.ok(one !== undefined && two !== undefined);
      const posted = await httpFetch(one.port, 'POST', '/feeds/crash', { body: batchOf(1), headers: { 'Content-Type': 'application/atom+xml;type=feed' } });
      assert.equal(posted.status, 201);
      assert.equal((await httpFetch(one.port, 'PUT', '/feeds/crash/groups/g')).status, 201);
      const url = (port: number): string => `http://127.0.0.1:${port}/feeds/crash/groups/g`;
      const holder = startWorker(url(one.port), 'hold', 8, 1, BATCH);
      await holder.until((e) => e.event === 'holding');
      holder.child.kill('SIGKILL');
      assert.equal(await holder.exited, 'SIGKILL');
      const held = holder.events.flatMap((e) => (e.event === 'lease' ? [e.seq] : []));
      assert.deepEqual(held, [1, 2, 3, 4, 5, 6, 7, 8]);
      const others = [startWorker(url(one.port), 'ack', 3, 30, BATCH), startWorker(url(two.port), 'ack', 3, 30, BATCH)];
      assert.deepEqual(await Promise.all(others.map((w) => w.exited)), [0, 0], others.map((w) => w.stderr()).join('\n'));
      const events = others.flatMap((w) => w.events);
      const acks = acksBySeq(events);
      assert.deepEqual(Array.from({ length: BATCH }, (_, i) => acks.get(i + 1)), Array.from({ length: BATCH }, () => 1), 'nothing lost, nothing twice');
      const redelivered = events.flatMap((e) => (e.event === 'lease' && held.includes(e.seq) ? [[e.seq, e.deliveries]] : []));
      assert.deepEqual(redelivered.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)), held.map((seq) => [seq, 2]), 'delivery counts show the redelivery');
      assert.deepEqual(overlappingLeases([...holder.events, ...events]), []);
    });
  });
}
