import { Agent } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServeHttp } from '../test/support/processes.js';
import type { WorkerCounts } from './group-workers.js';
import { batchWorker, pacedPublisher, send } from './group-workers.js';
import { measureThroughput } from './load.js';
import { ENTRY_BODY, ENTRY_HEADERS } from './measure.js';

/**
 * `node dist/bench/groups.js`: can 4 batch-acking workers keep up with 16 publishers on SQLite
 * over HTTP? Measures the 16-connection publish rate first, then publishes at 80% of it for
 * 30 s while 4 workers claim (up to 50 at a time) and batch-ack, sampling the group's lag every
 * second. It keeps up when the mean lag of the last 10 s is at most the mean of the first 10 s
 * plus one second's worth of messages (issue #15).
 */
const PUBLISHERS = 16;
const WORKERS = 4;
const SECONDS = 30;
const CLAIM_MAX = 50;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-bench-groups-'));
  const head = await startServeHttp(['--dsn', `sqlite:${join(dir, 'bus.db')}`]);
  try {
    const base = `http://127.0.0.1:${head.port}`;
    const measured = await measureThroughput({ url: `${base}/feeds/calibrate`, method: 'POST', body: ENTRY_BODY, headers: ENTRY_HEADERS }, PUBLISHERS, 5, 1);
    const rate = measured.perSecond * 0.8;
    const feedUrl = `${base}/feeds/work`;
    const groupUrl = `${feedUrl}/groups/workers`;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await send(agent, feedUrl, 'POST', ENTRY_BODY, ENTRY_HEADERS);
    await send(agent, `${groupUrl}?start=end`, 'PUT');
    const stop = new AbortController();
    const counts: WorkerCounts[] = Array.from({ length: WORKERS }, () => ({ claims: 0, claimed: 0, ackRequests: 0, acked: 0, failures: 0 }));
    const publishers = Array.from({ length: PUBLISHERS }, () => pacedPublisher(feedUrl, ENTRY_BODY, rate / PUBLISHERS, stop.signal));
    const workers = counts.map((c) => batchWorker(groupUrl, CLAIM_MAX, stop.signal, c));
    const lags: number[] = [];
    const started = performance.now();
    for (let second = 1; second <= SECONDS; second++) {
      const due = started + second * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const status = JSON.parse((await send(agent, groupUrl, 'GET')).body) as { lag: number };
      lags.push(status.lag);
    }
    stop.abort();
    const published = await Promise.all(publishers);
    await Promise.all(workers);
    const elapsed = (performance.now() - started) / 1000;
    const total = (key: keyof WorkerCounts): number => counts.reduce((sum, c) => sum + c[key], 0);
    const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
    const first = mean(lags.slice(0, 10));
    const last = mean(lags.slice(-10));
    const result = {
      publish16PerSecond: Math.round(measured.perSecond),
      targetPerSecond: Math.round(rate),
      publishedPerSecond: Math.round(published.reduce((s, p) => s + p.ok, 0) / elapsed),
      publishFailures: published.reduce((s, p) => s + p.failed, 0),
      claimsPerSecond: Math.round(total('claims') / elapsed),
      claimedPerSecond: Math.round(total('claimed') / elapsed),
      ackRequestsPerSecond: Math.round(total('ackRequests') / elapsed),
      ackedPerSecond: Math.round(total('acked') / elapsed),
      workerFailures: total('failures'),
      meanLagFirst10s: Math.round(first),
      meanLagLast10s: Math.round(last),
      keepsUp: last <= first + rate,
      lags,
    };
    agent.destroy();
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await head.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
