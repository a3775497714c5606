import { request } from 'node:http';
import type { TestResponse } from '../support/http.js';

/**
 * What became of one POST, as far as its publisher can tell:
 * - `ack`: a 201; the entry must be stored exactly once, at this sequence number;
 * - `unknown`: no answer from AtomMQ (a killed process, the web server's own 5xx, a reset
 *   connection) or AtomMQ's clean 503; the entry may or may not exist, but never twice;
 * - `failure`: an answer AtomMQ must never give here (4xx, 500, no answer at all: a hang).
 */
export type Outcome =
  | { readonly kind: 'ack'; readonly seq: number; readonly atomId: string }
  | { readonly kind: 'unknown'; readonly why: string }
  | { readonly kind: 'failure'; readonly why: string };

/** Where an acknowledged entry was stored, according to its 201. */
export interface Ack {
  readonly seq: number;
  readonly atomId: string;
}

/** Every publish attempt of a test, by its unique title. */
export class Ledger {
  readonly acked = new Map<string, Ack>();
  /** Titles whose outcome is unknown, with the reason. */
  readonly unknown = new Map<string, string>();
  readonly failures: string[] = [];

  /** Records the outcome of the attempt that published `title`. */
  record(title: string, outcome: Outcome): void {
    if (outcome.kind === 'ack') this.acked.set(title, { seq: outcome.seq, atomId: outcome.atomId });
    else if (outcome.kind === 'unknown') this.unknown.set(title, outcome.why);
    else this.failures.push(`${title}: ${outcome.why}`);
  }

  /** How many unknown outcomes had each reason, for test diagnostics. */
  unknownReasons(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const why of this.unknown.values()) counts[why] = (counts[why] ?? 0) + 1;
    return counts;
  }
}

/** A ~300-byte Atom entry whose title identifies the attempt. */
export function entryBody(title: string): string {
  return `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title>`
    + `<author><name>crash test</name></author><content type="text">${'x'.repeat(180)}</content></entry>`;
}

/**
 * Classifies a response to a POST. A problem+xml body comes from AtomMQ itself; any other 5xx is
 * the web server speaking for a backend that did not answer (lighttpd says 502 or 503).
 */
export function classify(response: TestResponse): Outcome {
  const isProblem = (response.headers['content-type'] ?? '').startsWith('application/problem+xml');
  if (response.status === 201) {
    const seq = Number(/\/(\d+)$/.exec(response.headers['location'] ?? '')?.[1]);
    const atomId = /<id>(urn:uuid:[^<]+)<\/id>/.exec(response.body)?.[1];
    if (!Number.isInteger(seq) || atomId === undefined) return { kind: 'failure', why: `201 without a member URI or atom:id: ${response.headers['location']}` };
    return { kind: 'ack', seq, atomId };
  }
  if (isProblem && response.status === 503 && response.headers['retry-after'] !== undefined) return { kind: 'unknown', why: 'atommq 503' };
  if (!isProblem && response.status >= 500) return { kind: 'unknown', why: `web server ${response.status}` };
  return { kind: 'failure', why: `${response.status} ${response.body.slice(0, 300)}` };
}

/**
 * POSTs an entry over HTTP to 127.0.0.1 and classifies the answer. A connection that breaks is
 * an unknown outcome; no answer within `timeoutMs` is a failure, since a request must never hang.
 */
export function postEntry(port: number, path: string, title: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const body = Buffer.from(entryBody(title));
    let isSettled = false;
    const settle = (outcome: Outcome): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = request({
      host: '127.0.0.1', port, method: 'POST', path, agent: false,
      headers: { 'Content-Type': 'application/atom+xml;type=entry', 'Content-Length': String(body.byteLength) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (error) => settle({ kind: 'unknown', why: `response broke: ${error.message}` }));
      res.on('end', () => {
        if (!res.complete) {
          settle({ kind: 'unknown', why: 'response cut short' });
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        settle(classify({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    const timer = setTimeout(() => {
      settle({ kind: 'failure', why: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => settle({ kind: 'unknown', why: `connection: ${error.code ?? error.message}` }));
    req.end(body);
  });
}

/** Publishers running side by side: each loops until `isDone()` or `maxEach` attempts. */
export class Publishers {
  /** Requests sent and not yet answered. */
  inFlight = 0;
  private isStopped = false;
  private readonly running: Promise<void>;

  constructor(count: number, maxEach: number, publishOne: (publisher: number, attempt: number) => Promise<void>) {
    this.running = Promise.all(Array.from({ length: count }, async (_, p) => {
      for (let n = 0; n < maxEach && !this.isStopped; n++) {
        this.inFlight += 1;
        try {
          await publishOne(p, n);
        } finally {
          this.inFlight -= 1;
        }
      }
    })).then(() => undefined);
  }

  /** Lets every publisher finish its current request, then stops them. */
  async stop(): Promise<void> {
    this.isStopped = true;
    await this.running;
  }
}
