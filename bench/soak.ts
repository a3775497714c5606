/**
 * `npm run soak`: issue 7's 60-second soak of `atommq serve --fastcgi` behind lighttpd
 * (lighttpd.conf.example's /bus), on loopback, with:
 * - 16 publishers, each posting one ~300-byte entry every PUBLISH_INTERVAL_MS;
 * - 50 polling consumers (`?start_after=N`), each polling again after POLL_INTERVAL_MS when it
 *   has caught up;
 * - 200 long-pollers (`Prefer: wait=20` with the last response's ETag as `If-None-Match`).
 *
 * It records errors (any answer but 201/200/304, any broken connection), checks that every
 * consumer received every acknowledged message exactly once and in order, and samples the RSS
 * and the open descriptors of the AtomMQ process at the start, every 10 s and at the end.
 * The figures are not a timed test: the script prints them, and exits 1 on an error or a
 * missed delivery.
 */
import { setMaxListeners } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { killHard, startFastCgiBackend, startLighttpdFront } from '../test/crash/lighttpd-front.js';

/** The soak's length; ATOMMQ_SOAK_SECONDS shortens it for a trial run (the recorded figures use 60). */
const DURATION_MS = Number(process.env['ATOMMQ_SOAK_SECONDS'] ?? 60) * 1000;
const SAMPLE_EVERY_MS = 10_000;
const PUBLISHERS = 16;
const POLLERS = 50;
const LONG_POLLERS = 200;
const PUBLISH_INTERVAL_MS = 250;
const POLL_INTERVAL_MS = 500;
/** How long consumers may take to catch up once publishing stops. */
const DRAIN_MS = 30_000;
const FEED = '/bus/feeds/soak';

interface Reply { readonly status: number; readonly etag?: string | undefined; readonly location?: string | undefined; readonly body: string }
interface Sample { readonly label: string; readonly rssMB: number; readonly fds: number; readonly published: number }

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
const errors: string[] = [];
/** Acknowledged messages: seq → title. */
const acked = new Map<number, string>();
const requests = { publish: 0, poll: 0, longPoll200: 0, longPoll304: 0 };
/** Milliseconds each POST took, answer included. */
const publishMs: number[] = [];

function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string, signal?: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers, ...(signal === undefined ? {} : { signal }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One consumer's view: the next seq it expects, and a running hash of the titles in order. */
class Consumer {
  next = 1;
  hash = 0x811c9dc5;

  constructor(readonly name: string) {}

  /** Takes a feed page; returns how many entries it held. */
  take(page: string): number {
    let count = 0;
    for (const [entry] of page.matchAll(/<entry\b[\s\S]*?<\/entry>/g)) {
      const seq = Number(/<link\s(?=[^>]*\brel="self")[^>]*\bhref="[^"]*\/entries\/(\d+)"/.exec(entry)?.[1]);
      const title = /<title[^>]*>([^<]*)<\/title>/.exec(entry)?.[1] ?? '';
      if (seq !== this.next) errors.push(`${this.name}: expected seq ${this.next}, got ${seq}`);
      this.next = seq + 1;
      this.hash = fnv(this.hash, title);
      count += 1;
    }
    return count;
  }
}

function fnv(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return Math.imul(h ^ 0x0a, 0x01000193) >>> 0;
}

function sample(pid: number, label: string): Sample {
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { label, rssMB: Math.round((Number(rss) * 1024) / 1e5) / 10, fds: readdirSync(`/proc/${pid}/fd`).length, published: acked.size };
}

async function publish(port: number, title: string): Promise<void> {
  const body = `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title><author><name>soak</name></author>`
    + `<content type="text">${'m'.repeat(180)}</content></entry>`;
  requests.publish += 1;
  const began = Date.now();
  const reply = await send(port, 'POST', FEED, { 'Content-Type': 'application/atom+xml;type=entry', 'Content-Length': String(Buffer.byteLength(body)) }, body)
    .catch((error: unknown): Reply => ({ status: 0, body: String(error) }));
  publishMs.push(Date.now() - began);
  const seq = Number(/\/entries\/(\d+)$/.exec(reply.location ?? '')?.[1]);
  if (reply.status !== 201 || !Number.isInteger(seq)) errors.push(`publish ${title}: ${reply.status} ${reply.body.slice(0, 200)}`);
  else acked.set(seq, title);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-soak-'));
  const dsn = `sqlite:${join(dir, 'soak.db')}`;
  const front = await startLighttpdFront(dir, dsn);
  const backend = await startFastCgiBackend(front.socketPath, dsn);
  const pid = backend.child.pid ?? 0;
  const port = front.port;
  const samples: Sample[] = [];
  try {
    await publish(port, 'setup'); // creates the feed, so that consumers never see a 404
    samples.push(sample(pid, 'start'));
    const started = Date.now();
    const publishUntil = started + DURATION_MS;
    let isPublishing = true;
    const stopAll = new AbortController();
    setMaxListeners(LONG_POLLERS + 16, stopAll.signal); // one listener per pending long poll
    const isDone = (c: Consumer): boolean => stopAll.signal.aborted || (!isPublishing && c.next > acked.size);

    const publishers = Array.from({ length: PUBLISHERS }, async (_, p) => {
      for (let n = 0; Date.now() < publishUntil; n++) {
        const began = Date.now();
        await publish(port, `s${p}-${n}`);
        await delay(Math.max(0, PUBLISH_INTERVAL_MS - (Date.now() - began)));
      }
    });
    const consumers: Consumer[] = [];
    const pollers = Array.from({ length: POLLERS }, async (_, i) => {
      const c = new Consumer(`poller ${i}`);
      consumers.push(c);
      while (!isDone(c)) {
        requests.poll += 1;
        const reply = await send(port, 'GET', `${FEED}?start_after=${c.next - 1}`, {}).catch((e: unknown): Reply => ({ status: 0, body: String(e) }));
        if (reply.status !== 200) {
          errors.push(`${c.name}: ${reply.status} ${reply.body.slice(0, 200)}`);
          return;
        }
        if (c.take(reply.body) === 0) await delay(POLL_INTERVAL_MS);
      }
    });
    const longPollers = Array.from({ length: LONG_POLLERS }, async (_, i) => {
      const c = new Consumer(`long-poller ${i}`);
      consumers.push(c);
      let etag: string | undefined;
      while (!isDone(c)) {
        const headers: Record<string, string> = { Prefer: 'wait=20', ...(etag === undefined ? {} : { 'If-None-Match': etag }) };
        const reply = await send(port, 'GET', FEED, headers, undefined, stopAll.signal).catch((e: unknown): Reply => ({ status: -1, body: String(e) }));
        if (reply.status === -1 && stopAll.signal.aborted) return; // stopped while waiting: not an error
        if (reply.status === 304) requests.longPoll304 += 1;
        else if (reply.status === 200) {
          requests.longPoll200 += 1;
          c.take(reply.body);
          etag = reply.etag;
        } else {
          errors.push(`${c.name}: ${reply.status} ${reply.body.slice(0, 200)}`);
          return;
        }
      }
    });

    for (let k = 1; k <= DURATION_MS / SAMPLE_EVERY_MS; k++) {
      await delay(started + k * SAMPLE_EVERY_MS - Date.now());
      samples.push(sample(pid, `${(k * SAMPLE_EVERY_MS) / 1000} s`));
    }
    await Promise.all(publishers);
    isPublishing = false;
    const drainUntil = Date.now() + DRAIN_MS;
    while (Date.now() < drainUntil && consumers.some((c) => c.next <= acked.size)) await delay(100);
    const drainedAfterMs = Date.now() - publishUntil;
    stopAll.abort();
    await Promise.all([...pollers, ...longPollers]);
    agent.destroy();
    samples.push(sample(pid, 'end'));
    report(samples, consumers, drainedAfterMs);
  } finally {
    await killHard(backend);
    await front.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function report(samples: readonly Sample[], consumers: readonly Consumer[], drainedAfterMs: number): void {
  let expected = 0x811c9dc5;
  for (const seq of [...acked.keys()].sort((a, b) => a - b)) expected = fnv(expected, acked.get(seq) ?? '');
  const complete = consumers.filter((c) => c.next === acked.size + 1 && c.hash === expected).length;
  if (complete !== consumers.length) errors.push(`${consumers.length - complete} consumers missed or reordered messages`);
  const lines = [
    `Soak: ${DURATION_MS / 1000} s, atommq serve --fastcgi behind lighttpd, SQLite; ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB; ${new Date().toISOString()}`,
    '',
    '| when | RSS (MB) | open fds | messages published |',
    '|---|---|---|---|',
    ...samples.map((s) => `| ${s.label} | ${s.rssMB} | ${s.fds} | ${s.published} |`),
    '',
    `- publishers ${PUBLISHERS}, polling consumers ${POLLERS}, long-pollers ${LONG_POLLERS}`,
    `- messages published (201): ${acked.size}; requests: ${requests.publish} POST, ${requests.poll} polls, ${requests.longPoll200} long polls answered 200 and ${requests.longPoll304} answered 304`,
    `- POST latency: median ${percentile(publishMs, 0.5)} ms, p99 ${percentile(publishMs, 0.99)} ms, max ${percentile(publishMs, 1)} ms`,
    `- consumers that received every message exactly once, in order: ${complete} of ${consumers.length} (all caught up ${drainedAfterMs} ms after publishing stopped)`,
    `- errors: ${errors.length}${errors.length > 0 ? ` (first: ${errors.slice(0, 3).join(' | ')})` : ''}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (errors.length > 0) process.exitCode = 1;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
