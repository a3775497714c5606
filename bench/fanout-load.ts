import http from 'node:http';

/**
 * The fan-out load (issue 12): N long-polling consumers on one feed and one publisher at a fixed
 * rate, all over loopback from this process. Each consumer asks `?start_after=<its position>`
 * with `Prefer: wait=20`, moves its position to the page's ETag and asks again at once. Every
 * message's delivery delay runs from sending its POST to a consumer holding the page.
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
const ETAG_SEQ = /\.(\d+)"$/;

interface Answer { readonly status: number; readonly etag: string; readonly body: string }

function request(agent: http.Agent, url: URL, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag ?? ''), body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Publishes one message and returns the position its 201 names. */
export async function publishOne(url: string, title: string): Promise<number> {
  const agent = new http.Agent({ keepAlive: false });
  const answer = await request(agent, new URL(url), 'POST', { 'Content-Type': 'application/atom+xml;type=entry' }, entryOf(title));
  if (answer.status !== 201) throw new Error(`publish answered ${answer.status}`);
  return Number(ETAG_SEQ.exec(answer.etag)?.[1] ?? Number.NaN);
}

function entryOf(title: string): string {
  return `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title><content type="text">${'fan-out message '.repeat(12)}</content></entry>`;
}

/**
 * Runs the load: starts `consumers` waiting after `startAfter`, calls `whenWaiting` (which
 * resolves once the server holds them all), then publishes at `rate` per second for `seconds`
 * and waits (at most 15 s) until every consumer holds every message.
 */
export async function runFanout(options: {
  readonly url: string; readonly consumers: number; readonly rate: number; readonly seconds: number; readonly startAfter: number;
  readonly whenWaiting: () => Promise<void>; readonly onPublishing: () => void; readonly onDelivered: () => void;
}): Promise<FanoutLoad> {
  const { url, consumers, rate, seconds, startAfter } = options;
  const total = Math.max(1, Math.round(rate * seconds));
  const sentAt = new Float64Array(total + 1);
  const deliveries: number[] = [];
  const next = new Int32Array(consumers).fill(1);
  const errors: Record<string, number> = {};
  let misordered = 0;
  let isStopping = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const target = new URL(url);

  const consume = async (index: number): Promise<void> => {
    let position = startAfter;
    while (!isStopping) {
      target.search = `?start_after=${position}`;
      const answer = await request(agent, new URL(target), 'GET', { Prefer: 'wait=20' }).catch(() => undefined);
      if (answer === undefined) {
        if (!isStopping) await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (answer.status === 304) continue;
      if (answer.status !== 200) {
        errors[answer.status] = (errors[answer.status] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const now = performance.now();
      for (const match of answer.body.matchAll(TITLE)) {
        const k = Number(match[1]);
        if (k !== next[index]) misordered += 1;
        else next[index] = k + 1;
        if (k >= 1 && k <= total && (sentAt[k] ?? 0) > 0) deliveries.push(now - (sentAt[k] ?? 0));
      }
      position = Number(ETAG_SEQ.exec(answer.etag)?.[1] ?? position);
    }
  };
  const running = Array.from({ length: consumers }, (_, i) => consume(i));
  await options.whenWaiting();

  const publisher = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const publishMs: number[] = [];
  const started = performance.now();
  options.onPublishing();
  const posts: Array<Promise<void>> = [];
  for (let k = 1; k <= total; k++) {
    const due = started + ((k - 1) * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sentAt[k] = performance.now();
    posts.push(request(publisher, new URL(url), 'POST', { 'Content-Type': 'application/atom+xml;type=entry' }, entryOf(`fanout-${k}`)).then((answer) => {
      if (answer.status !== 201) errors[`publish ${answer.status}`] = (errors[`publish ${answer.status}`] ?? 0) + 1;
      publishMs.push(performance.now() - (sentAt[k] ?? 0));
    }));
  }
  await Promise.all(posts);
  const deadline = performance.now() + 15_000;
  while (next.some((n) => n <= total) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  options.onDelivered();
  isStopping = true;
  agent.destroy();
  publisher.destroy();
  await Promise.all(running);
  return {
    consumers, published: total, publishMs: publishMs.sort((a, b) => a - b), deliveryMs: deliveries.sort((a, b) => a - b),
    expected: consumers * total, misordered, incomplete: next.filter((n) => n <= total).length, errors,
  };
}

/** The q-quantile of sorted values (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
