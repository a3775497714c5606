import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import type { Message, RetryEvent } from '../../lib/client/index.js';
import { publish, subscribe } from '../../lib/client/index.js';
import { killHard, startFastCgiBackend, startLighttpdFront } from '../crash/lighttpd-front.js';
import { isListening } from '../support/http.js';
import type { Running } from '../support/processes.js';
import { CLI, startProcess, startServeHttp } from '../support/processes.js';
import { requireTool, waitFor } from '../support/tools.js';
import { FEED } from './fronts.js';

const run = promisify(execFile);

/**
 * A subscriber keeps going through what a real deployment does to it: the server restarts, a
 * FastCGI backend is down for a while (lighttpd answers 502/503), retention removes what the
 * cursor pointed at, the feed does not exist yet. It never loses or repeats a message.
 */
describe('subscribe survives restarts, 503s, pruning and a feed that does not exist yet', () => {
  it('HTTP: the server is killed and restarted on its port while a subscriber waits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-client-sub-'));
    const dsn = `sqlite:${join(dir, 'bus.db')}`;
    let server: Running & { port: number } = await startServeHttp(['--dsn', dsn]);
    const url = `http://127.0.0.1:${server.port}/feeds/${FEED}`;
    const reader = new Reader(url, { cursorFile: join(dir, 'cursor') });
    try {
      for (let n = 1; n <= 20; n++) await publish(url, { title: `m-${n}` });
      await reader.waitForSeq(20);
      await killHard(server);
      await reader.firstRetry;
      const port = server.port;
      server = { ...startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--dsn', dsn]), port };
      await waitFor(`atommq serve back on port ${port}`, () => isListening(port));
      for (let n = 21; n <= 40; n++) await publish(url, { title: `m-${n}` });
      await reader.waitForSeq(40);
      assert.deepEqual(reader.messages.map((m) => m.title), Array.from({ length: 40 }, (_, i) => `m-${i + 1}`), 'every message once, in order');
      assert.ok(reader.retries.some((e) => e.status === undefined), `the outage was seen as lost connections: ${JSON.stringify(reader.retries.map((e) => [e.status, e.reason]))}`);
      // The loop body of message 40 is over once the loop asks for more, which stop() makes it do.
      await reader.stop();
      assert.deepEqual(JSON.parse(await readFile(join(dir, 'cursor'), 'utf8')), { seq: 40, etag: reader.messages.at(-1)?.etag });
    } finally {
      await reader.stop();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('FastCGI: the backend behind lighttpd is down for a while', async (t) => {
    if (!requireTool(t, 'lighttpd', 'the FastCGI front end')) return;
    const dir = await mkdtemp(join(tmpdir(), 'atommq-client-sub-'));
    const dsn = `sqlite:${join(dir, 'bus.db')}`;
    const front = await startLighttpdFront(dir, dsn);
    let backend = await startFastCgiBackend(front.socketPath, dsn);
    const url = `http://127.0.0.1:${front.port}/bus/feeds/${FEED}`;
    const reader = new Reader(url, {});
    try {
      for (let n = 1; n <= 10; n++) await publish(url, { title: `m-${n}` });
      await reader.waitForSeq(10);
      await killHard(backend);
      await reader.firstRetry;
      backend = await startFastCgiBackend(front.socketPath, dsn);
      for (let n = 11; n <= 20; n++) await publish(url, { title: `m-${n}` });
      await reader.waitForSeq(20);
      assert.deepEqual(reader.messages.map((m) => m.title), Array.from({ length: 20 }, (_, i) => `m-${i + 1}`));
      assert.ok(reader.retries.some((e) => e.status === 502 || e.status === 503), `lighttpd answered for the backend: ${JSON.stringify(reader.retries.map((e) => e.status))}`);
    } finally {
      await reader.stop();
      await backend.stop();
      await front.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('HTTP: a cursor in pruned messages resumes at the oldest kept one and reports the gap; a new feed is waited for; cursor "end" skips the backlog', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-client-sub-'));
    const dsn = `sqlite:${join(dir, 'bus.db')}`;
    const server = await startServeHttp(['--dsn', dsn]);
    const base = `http://127.0.0.1:${server.port}/feeds`;
    const readers: Reader[] = [];
    try {
      for (let n = 1; n <= 10; n++) await publish(`${base}/${FEED}`, { title: `m-${n}` });
      await run(process.execPath, [CLI, 'feeds', 'set', FEED, '--max-count', '4', '--dsn', dsn]);
      await run(process.execPath, [CLI, 'prune', FEED, '--dsn', dsn]);
      const gaps: Array<{ after: number; through: number }> = [];
      const pruned = new Reader(`${base}/${FEED}`, { onPruned: (gap) => gaps.push(gap) });
      readers.push(pruned);
      await pruned.waitForSeq(10);
      assert.deepEqual(pruned.messages.map((m) => m.seq), [7, 8, 9, 10]);
      assert.deepEqual(gaps, [{ after: 0, through: 6 }]);

      const later = new Reader(`${base}/later`, {});
      readers.push(later);
      const missing = await later.firstRetry;
      assert.equal(missing.status, 404);
      await publish(`${base}/later`, { title: 'first' });
      await later.waitForSeq(1);
      assert.deepEqual(later.messages.map((m) => m.title), ['first']);

      // A publisher keeps going until the end-reader gets something: it must not see the backlog.
      const fromEnd = new Reader(`${base}/${FEED}`, { cursor: 'end' });
      readers.push(fromEnd);
      for (let n = 11; fromEnd.messages.length === 0 && n < 1000; n++) await publish(`${base}/${FEED}`, { title: `m-${n}` });
      const [firstNew] = fromEnd.messages;
      assert.ok(firstNew !== undefined && firstNew.seq > 10, `cursor 'end' starts after the backlog (first seq ${firstNew?.seq})`);
    } finally {
      for (const reader of readers) await reader.stop();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** A subscription running in this process, collecting what it reads. */
class Reader {
  readonly messages: Message[] = [];
  readonly retries: RetryEvent[] = [];
  readonly firstRetry: Promise<RetryEvent>;
  private readonly stopper = new AbortController();
  private readonly running: Promise<void>;
  private readonly waiters = new Set<() => void>();

  constructor(url: string, options: Omit<Parameters<typeof subscribe>[1] & object, 'signal' | 'onRetry'>) {
    let resolveRetry: (event: RetryEvent) => void = () => undefined;
    let rejectRetry: (error: unknown) => void = () => undefined;
    this.firstRetry = new Promise((resolve, reject) => {
      resolveRetry = resolve;
      rejectRetry = reject;
    });
    this.firstRetry.catch(() => undefined); // not every test waits for a retry
    const onRetry = (event: RetryEvent): void => {
      this.retries.push(event);
      resolveRetry(event);
    };
    this.running = (async () => {
      for await (const message of subscribe(url, { ...options, signal: this.stopper.signal, onRetry, retry: { maxDelayMs: 500 } })) {
        this.messages.push(message);
        for (const waiter of [...this.waiters]) waiter();
      }
    })();
    // A subscription that fails fails every wait on it at once, and stop() reports it.
    this.running.catch((error: unknown) => {
      this.failure = error;
      rejectRetry(error);
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  private failure: unknown;

  /** Resolves once a message with this seq arrived. */
  waitForSeq(seq: number, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no message ${seq} within ${timeoutMs} ms; got ${this.messages.map((m) => m.seq).join(',')}`));
      }, timeoutMs);
      const check = (): void => {
        if (this.failure !== undefined) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(this.failure);
        } else if (this.messages.some((m) => m.seq >= seq)) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Ends the subscription; rejects if it had failed. Calling it again does nothing more. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }
}
