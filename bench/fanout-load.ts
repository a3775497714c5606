import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fanoutEntry } from './fanout-publisher.js';

/**
 * The fan-out load (issue 12): N long-polling consumers on one feed and one publisher at a fixed
 * rate, over loopback. Each consumer holds one keep-alive connection, asks
 * `?start_after=<its position>` with `Prefer: wait=20`, moves its position to the page's ETag and
 * asks again at once. The consumers speak HTTP/1.1 on raw sockets, so that a thousand of them
 * cost this process little; the publisher runs in a process of its own (fanout-publisher.ts).
 * A delivery delay runs from sending the message's POST to a consumer holding the page.
 */

/** What one fan-out run saw from outside. */
export interface FanoutLoad {
  readonly consumers: number;
  readonly published: number;
  /** 201 latencies of the publisher, ms, sorted. */
  readonly publishMs: number[];
  /** Delivery delays over every (consumer, message) pair, ms, sorted. */
  readonly deliveryMs: number[];
  /** Pairs expected (consumers × published) and pairs that came out of order or twice. */
  readonly expected: number;
  readonly misordered: number;
  /** Consumers that ended without every message. */
  readonly incomplete: number;
  /** Answers other than 200 and 304, by status. */
  readonly errors: Record<string, number>;
}

const TITLE = /<title[^>]*>fanout-(\d+)<\/title>/g;
const ETAG_SEQ = /\r\netag: *"[^"]*\.(\d+)"/i;
const LENGTH = /\r\ncontent-length: *(\d+)/i;
const PUBLISHER = new URL('./fanout-publisher.js', import.meta.url).pathname;

/** Publishes one message and returns the position its 201 names. */
export async function publishOne(url: string, title: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', body: fanoutEntry(title), headers: { 'Content-Type': 'application/atom+xml;type=entry' } });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`publish answered ${response.status}`);
  return Number(/\.(\d+)"$/.exec(response.headers.get('etag') ?? '')?.[1] ?? Number.NaN);
}

/** One consumer: a keep-alive connection that long-polls until `stop()`. */
class Consumer {
  private socket: net.Socket | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private isStopped = false;
  next = 1;

  constructor(private readonly target: URL, private position: number, private readonly onPage: (status: number, body: string) => void) {}

  start(): void {
    const socket = net.connect(Number(this.target.port), this.target.hostname);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      // lighttpd closes a keep-alive connection after max-keep-alive-requests; ask again.
      if (!this.isStopped) setTimeout(() => this.start(), 20);
    });
    this.socket = socket;
    this.pending = Buffer.alloc(0);
    this.ask();
  }

  stop(): void {
    this.isStopped = true;
    this.socket?.destroy();
  }

  private ask(): void {
    this.socket?.write(`GET ${this.target.pathname}?start_after=${this.position} HTTP/1.1\r\nHost: ${this.target.host}\r\nPrefer: wait=20\r\n\r\n`);
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const headerEnd = this.pending.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.pending.toString('latin1', 0, headerEnd);
    const length = Number(LENGTH.exec(head)?.[1] ?? 0);
    if (this.pending.length < headerEnd + 4 + length) return;
    const body = this.pending.toString('utf8', headerEnd + 4, headerEnd + 4 + length);
    this.pending = this.pending.subarray(headerEnd + 4 + length);
    const status = Number(head.slice(9, 12));
    if (status === 200) this.position = Number(ETAG_SEQ.exec(head)?.[1] ?? this.position);
    this.onPage(status, body);
    if (!this.isStopped) {
      if (status === 200 || status === 304) this.ask();
      else setTimeout(() => this.ask(), 50);
    }
  }
}

/**
 * Runs the load: starts `consumers` waiting after `startAfter`, calls `whenWaiting` (which
 * resolves once the server holds them all), then publishes at `rate` per second for `seconds`
 * and waits (at most 15 s) until every consumer holds every message.
 */
export async function runFanout(options: {
  readonly url: string; readonly consumers: number; readonly rate: number; readonly seconds: number; readonly startAfter: number;
  readonly whenWaiting: () => Promise<void>; readonly onDelivered: () => void;
  /** Where the publisher POSTs, when not to `url`: another process on the same database. */
  readonly publishUrl?: string;
}): Promise<FanoutLoad> {
  const { url, consumers, rate, seconds, startAfter } = options;
  const total = Math.max(1, Math.round(rate * seconds));
  const receivedAt = new Float64Array(consumers * (total + 1));
  const errors: Record<string, number> = {};
  let misordered = 0;
  const target = new URL(url);
  const all: Consumer[] = [];
  for (let i = 0; i < consumers; i++) {
    const consumer: Consumer = new Consumer(target, startAfter, (status, body) => {
      if (status !== 200) {
        if (status !== 304) errors[status] = (errors[status] ?? 0) + 1;
        return;
      }
      const now = performance.timeOrigin + performance.now();
      for (const match of body.matchAll(TITLE)) {
        const k = Number(match[1]);
        if (k !== consumer.next || k > total) misordered += 1;
        else {
          consumer.next = k + 1;
          receivedAt[i * (total + 1) + k] = now;
        }
      }
    });
    all.push(consumer);
    consumer.start();
  }
  await options.whenWaiting();

  const sent = await publish(options.publishUrl ?? url, rate, total);
  const deadline = performance.now() + 15_000;
  while (all.some((c) => c.next <= total) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  options.onDelivered();
  for (const consumer of all) consumer.stop();

  const deliveryMs: number[] = [];
  for (let i = 0; i < consumers; i++) {
    for (let k = 1; k <= total; k++) {
      const at = receivedAt[i * (total + 1) + k] ?? 0;
      const from = sent.sentAt[k];
      if (at > 0 && from !== undefined) deliveryMs.push(at - from);
    }
  }
  for (const [status, n] of Object.entries(sent.errors)) errors[`publish ${status}`] = n;
  return {
    consumers, published: total, publishMs: sent.ms.sort((a, b) => a - b), deliveryMs: deliveryMs.sort((a, b) => a - b),
    expected: consumers * total, misordered, incomplete: all.filter((c) => c.next <= total).length, errors,
  };
}

/** Runs the publisher process to the end; returns each message's send time and the 201 latencies. */
async function publish(url: string, rate: number, count: number): Promise<{ sentAt: number[]; ms: number[]; errors: Record<string, number> }> {
  const child = spawn(process.execPath, [PUBLISHER, url, String(rate), String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sentAt: number[] = [];
  const ms: number[] = [];
  const errors: Record<string, number> = {};
  for await (const line of createInterface({ input: child.stdout })) {
    const data: unknown = JSON.parse(line);
    if (typeof data !== 'object' || data === null) continue;
    const field = (name: string): number => Number(Reflect.get(data, name));
    sentAt[field('k')] = field('sentAt');
    if (field('status') === 201) ms.push(field('ms'));
    else errors[field('status')] = (errors[field('status')] ?? 0) + 1;
  }
  return { sentAt, ms, errors };
}

/** The q-quantile of sorted values (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Holds `consumers` long polls after `startAfter` until the returned function is called. */
export function holdConsumers(url: string, consumers: number, startAfter: number): () => void {
  const all = Array.from({ length: consumers }, () => new Consumer(new URL(url), startAfter, () => undefined));
  for (const consumer of all) consumer.start();
  return () => { for (const consumer of all) consumer.stop(); };
}
