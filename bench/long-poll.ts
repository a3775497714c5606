import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { httpFetch } from '../test/support/http.js';
import { startLighttpd, startServeHttp } from '../test/support/processes.js';

/**
 * Long-poll delivery delay: a consumer waits with `Prefer: wait=20` on an up-to-date cursor,
 * another client publishes, and the delay is measured from sending the POST to the consumer
 * holding the entry. Runs against `atommq serve` over HTTP and `atommq serve --fastcgi` behind
 * lighttpd, on SQLite, loopback only, a bounded number of rounds each.
 *
 * usage: npm run bench:long-poll [-- --rounds N]
 */
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 200;
const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
/** Gives the consumer's request time to reach the server's waiter list before the publish. */
const SETTLE_MS = 30;

interface Result { deployment: string; rounds: number; medianMs: number; p99Ms: number; maxMs: number }

async function measure(deployment: string, port: number, feedPath: string): Promise<Result> {
  const first = await httpFetch(port, 'POST', feedPath, { headers: ENTRY, body: '<entry><title>start</title></entry>' });
  let etag = first.headers['etag'] ?? '';
  const delays: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let deliveredAt = 0;
    const waiting = httpFetch(port, 'GET', feedPath, { headers: { 'If-None-Match': etag, Prefer: 'wait=20' } })
      .then((response) => { deliveredAt = performance.now(); return response; });
    await delay(SETTLE_MS);
    const sentAt = performance.now();
    const posted = await httpFetch(port, 'POST', feedPath, { headers: ENTRY, body: `<entry><title>round ${round}</title></entry>` });
    const response = await waiting;
    if (response.status !== 200 || !response.body.includes(`round ${round}<`)) throw new Error(`${deployment}: round ${round} got ${response.status}`);
    delays.push(deliveredAt - sentAt);
    etag = posted.headers['etag'] ?? etag;
  }
  delays.sort((a, b) => a - b);
  const at = (q: number): number => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? Number.NaN;
  return { deployment, rounds: ROUNDS, medianMs: at(0.5), p99Ms: at(0.99), maxMs: delays.at(-1) ?? Number.NaN };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-longpoll-bench-'));
  const results: Result[] = [];
  const http = await startServeHttp(['--dsn', `sqlite:${join(dir, 'http.db')}`]);
  try {
    results.push(await measure('atommq serve (HTTP)', http.port, '/feeds/lp'));
  } finally {
    await http.stop();
  }
  const web = await startLighttpd();
  try {
    results.push(await measure('FastCGI: lighttpd → atommq serve --fastcgi', web.port, '/bus/feeds/lp'));
  } finally {
    await web.stop();
  }
  await rm(dir, { recursive: true, force: true });
  const lines = ['| deployment | rounds | median | p99 | max |', '|---|---|---|---|---|',
    ...results.map((r) => `| ${r.deployment} | ${r.rounds} | ${r.medianMs.toFixed(1)} ms | ${r.p99Ms.toFixed(1)} ms | ${r.maxMs.toFixed(1)} ms |`)];
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/long-poll.json', `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
