import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { httpFetch } from '../test/support/http.js';
import { startServeHttp } from '../test/support/processes.js';
import type { SseStream } from '../test/support/sse.js';
import { openEventStream } from '../test/support/sse.js';
import type { PhaseContext } from './measure.js';
import { ENTRY_BODY, ENTRY_HEADERS } from './measure.js';

/** What the fan-out row measured. */
export interface FanOutResult {
  readonly subscribers: number;
  readonly published: number;
  readonly delivered: number;
  /** Server CPU (user + system) over the publishing window, seconds. */
  readonly cpuSeconds: number;
  /** Server CPU per delivered message, microseconds. */
  readonly cpuPerDeliveryUs: number;
  /** Seconds from the last publish until every subscriber held every message. */
  readonly drainSeconds: number;
}

const SUBSCRIBERS = 1000;
const RATE_PER_SECOND = 20;
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process, in seconds, from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * Server-Sent Events fan-out: 1,000 subscribers hold a stream on one feed of `atommq serve`
 * (HTTP, SQLite) while a publisher posts 20 messages a second for `timing.seconds`. The row is
 * the server process's CPU time over that window divided by the messages delivered to all
 * subscribers: a held stream costs no request, so a delivery should cost a few microseconds.
 */
export async function fanOutPhase(ctx: PhaseContext): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-fanout-'));
  const serve = await startServeHttp(['--dsn', `sqlite:${join(dir, 'fanout.db')}`]);
  const streams: SseStream[] = [];
  const release = ctx.onCleanup(async () => {
    for (const stream of streams) stream.cut();
    await serve.stop();
    await rm(dir, { recursive: true, force: true });
  });
  try {
    const pid = serve.child.pid;
    if (pid === undefined) throw new Error('no server pid');
    await httpFetch(serve.port, 'POST', '/feeds/fanout', { headers: ENTRY_HEADERS, body: ENTRY_BODY });
    ctx.log(`fan-out: opening ${SUBSCRIBERS} event streams`);
    for (let i = 0; i < SUBSCRIBERS; i += 50) {
      streams.push(...await Promise.all(Array.from({ length: 50 }, () => openEventStream(serve.port, '/feeds/fanout', { 'Last-Event-ID': '1' }))));
    }
    const published = Math.max(1, Math.round(ctx.timing.seconds * RATE_PER_SECOND));
    const counts = streams.map(() => 0);
    const done = Promise.all(streams.map(async (stream, i) => {
      while ((counts[i] ?? 0) < published) {
        const event = await stream.next();
        if (event === undefined) throw new Error(`subscriber ${i} lost its stream`);
        counts[i] = (counts[i] ?? 0) + 1;
      }
    }));
    ctx.log(`fan-out: publishing ${published} messages at ${RATE_PER_SECOND}/s`);
    const cpuBefore = cpuSecondsOf(pid);
    const started = performance.now();
    for (let n = 0; n < published; n++) {
      const due = started + (n * 1000) / RATE_PER_SECOND;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
      const response = await httpFetch(serve.port, 'POST', '/feeds/fanout', { headers: ENTRY_HEADERS, body: ENTRY_BODY });
      if (response.status !== 201) throw new Error(`publish answered ${response.status}`);
    }
    const lastPublish = performance.now();
    await done;
    const drainSeconds = (performance.now() - lastPublish) / 1000;
    const cpuSeconds = cpuSecondsOf(pid) - cpuBefore;
    const delivered = counts.reduce((a, b) => a + b, 0);
    ctx.results.fanOut = { subscribers: SUBSCRIBERS, published, delivered, cpuSeconds, cpuPerDeliveryUs: (cpuSeconds / delivered) * 1e6, drainSeconds };
  } finally {
    await release();
  }
}
