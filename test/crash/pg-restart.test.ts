import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { it } from 'node:test';
import pg from 'pg';
import { parseFeed } from '../support/atom.js';
import { httpFetch } from '../support/http.js';
import type { Running } from '../support/processes.js';
import { startServeHttp } from '../support/processes.js';
import { waitFor } from '../support/tools.js';
import { Ledger, Publishers, postEntry } from './ledger.js';
import { createPgCluster } from './pg-cluster.js';
import { assertLogKeepsLedger, countUnansweredStored, field, toStoredRows } from './stored-log.js';

/**
 * Issue 7, "the database server restarts": two `atommq serve` heads share a PostgreSQL server
 * that is restarted (fast shutdown) and then crashed (immediate stop, WAL recovery) under 8
 * publishers. Requests in flight must fail cleanly (AtomMQ's 503 with Retry-After, never a 500
 * and never a hang), the heads must reconnect by themselves, and no acknowledged entry may be lost.
 * The server is a disposable cluster of its own, so the shared one other tests use stays up.
 */
const PUBLISHERS = 8;
/** A real publisher backs off before retrying after an unknown outcome; this is not synchronization. */
const RETRY_BACKOFF_MS = 50;

it('PostgreSQL restarts and crashes under load: heads reconnect, in-flight requests get 503, no acknowledged entry is lost', async (t) => {
  const cluster = await createPgCluster(t);
  if (cluster === undefined) return;
  const heads: Array<Running & { port: number }> = [];
  const ledger = new Ledger();
  const acksByHead = [0, 0];
  let publishers: Publishers | undefined;
  try {
    heads.push(await startServeHttp(['--dsn', cluster.dsn]), await startServeHttp(['--dsn', cluster.dsn]));
    publishers = new Publishers(PUBLISHERS, 50_000, async (p, n) => {
      const head = (p + n) % 2;
      const title = `pg-${p}-${n}`;
      const outcome = await postEntry(heads[head]?.port ?? 0, '/feeds/crash', title, 20_000);
      ledger.record(title, outcome);
      if (outcome.kind === 'ack') acksByHead[head] = (acksByHead[head] ?? 0) + 1;
      else await delay(RETRY_BACKOFF_MS);
    });
    const bothHeadsAck = async (what: string, more: number): Promise<void> => {
      const from = [...acksByHead];
      await waitFor(`${what}: ${more} more 201s on each head`,
        async () => ledger.failures.length > 0 || acksByHead.every((n, h) => n >= (from[h] ?? 0) + more), 30_000);
      assert.deepEqual(ledger.failures, [], `no request failed outright (${what})`);
    };
    await bothHeadsAck('before the faults', 100);
    await cluster.restart();
    await bothHeadsAck('after a fast restart', 50);
    await cluster.crashAndStart();
    await bothHeadsAck('after a crash and recovery', 50);
    await publishers.stop();
    for (const head of heads) {
      const page = await httpFetch(head.port, 'GET', '/feeds/crash?limit=1');
      assert.equal(page.status, 200, 'reads work again on every head');
      assert.equal(parseFeed(page.body).entries.length, 1);
    }
    t.diagnostic(`acknowledged ${ledger.acked.size}, unknown ${JSON.stringify(ledger.unknownReasons())}`);
    assert.deepEqual(ledger.failures, [], 'no 500, no 4xx, no request left hanging');
    assert.ok((ledger.unknownReasons()['atommq 503'] ?? 0) > 0, 'requests during the outages got a clean 503');
    const log = await readPostgresLog(cluster.dsn, 'crash');
    assertLogKeepsLedger(log, ledger);
    t.diagnostic(`stored ${log.rows.length}; unanswered but committed ${countUnansweredStored(log, ledger)}`);
  } finally {
    await publishers?.stop();
    for (const head of heads) await head.stop();
    await cluster.drop();
  }
});

async function readPostgresLog(dsn: string, feed: string): Promise<{ lastSeq: number; rows: ReturnType<typeof toStoredRows> }> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    const counter = (await client.query('SELECT last_seq FROM atommq_feed WHERE name_key = $1', [feed])).rows[0];
    const rows = await client.query(
      'SELECT e.seq, e.atom_id, e.xml FROM atommq_entry AS e JOIN atommq_feed AS f ON f.id = e.feed_id WHERE f.name_key = $1 ORDER BY e.seq', [feed]);
    return { lastSeq: Number(field(counter, 'last_seq') ?? 0), rows: toStoredRows(rows.rows) };
  } finally {
    await client.end();
  }
}
