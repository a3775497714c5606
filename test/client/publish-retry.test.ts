import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Published, RetryEvent } from '../../lib/client/index.js';
import { AtomMQRequestError, publish } from '../../lib/client/index.js';
import { killHard, startFastCgiBackend, startLighttpdFront } from '../crash/lighttpd-front.js';
import { mountTmpfs } from '../crash/mounts.js';
import { readSqliteLog } from '../crash/stored-log.js';
import { isListening } from '../support/http.js';
import type { Running } from '../support/processes.js';
import { CLI, startProcess, startServeHttp } from '../support/processes.js';
import { requireTool, waitFor } from '../support/tools.js';
import { FEED } from './fronts.js';

/**
 * The client's retry contract against real faults: a 503 (a read-only database, a FastCGI
 * backend that is down) and a refused connection are retried with backoff, every attempt with
 * the same Idempotency-Key, until the fault is cured; the message is then stored once. A 4xx is
 * never retried. The faults are made as test/crash makes them: the database on a tmpfs of its
 * own, remounted read-only between two runs of the server.
 */
describe('publish retries 503s and lost connections with one Idempotency-Key, never a 4xx', () => {
  it('HTTP: a read-only database answers 503 until it is writable again', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-client-retry-'));
    const disk = await mountTmpfs(t, join(dir, 'disk'), 8 * 1024 * 1024);
    if (disk === undefined) return rm(dir, { recursive: true, force: true });
    const dbPath = join(disk.dir, 'bus.db');
    let server: (Running & { port: number }) | undefined;
    try {
      server = await startServeHttp(['--dsn', `sqlite:${dbPath}`]);
      const url = `http://127.0.0.1:${server.port}/feeds/${FEED}`;
      await publish(url, { title: 'before' });
      // A running server keeps the file open for writing, and the kernel refuses to remount
      // under it; so the folder turns read-only between two runs (see test/crash/unwritable).
      await killHard(server);
      disk.remount('ro');
      server = await startServeHttp(['--dsn', `sqlite:${dbPath}`]);
      const retries = new RetryWatch();
      const pending = publish(`http://127.0.0.1:${server.port}/feeds/${FEED}`, { title: 'retried' }, { onRetry: retries.onRetry });
      await retries.first;
      disk.remount('rw');
      const stored = await pending;
      retries.assertOneKey(stored, [503]);
      await killHard(server);
      server = undefined;
      assert.deepEqual((await readSqliteLog(dbPath, FEED)).rows.map((r) => r.title), ['before', 'retried'], 'stored once');
    } finally {
      if (server !== undefined) await server.stop();
      disk.unmount();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('HTTP: a server that is down is retried until it is back; 4xx answers are not retried', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-client-retry-'));
    const dsn = `sqlite:${join(dir, 'bus.db')}`;
    let server: Running & { port: number } = await startServeHttp(['--dsn', dsn]);
    const port = server.port;
    const url = `http://127.0.0.1:${port}/feeds/${FEED}`;
    try {
      await publish(url, { title: 'before' });
      await killHard(server);
      const retries = new RetryWatch();
      const pending = publish(url, { title: 'while down' }, { onRetry: retries.onRetry });
      await retries.first;
      const restarted = startProcess(process.execPath, [CLI, 'serve', '--port', String(port), '--dsn', dsn]);
      server = { ...restarted, port };
      await waitFor(`atommq serve back on port ${port}`, () => isListening(port));
      retries.assertOneKey(await pending, [undefined]);

      const refusals: RetryEvent[] = [];
      const bad = publish(url, { title: 'bad', content: '<p>never closed', contentType: 'xhtml' }, { onRetry: (e) => refusals.push(e) });
      await assert.rejects(bad, (error: unknown) => error instanceof AtomMQRequestError && error.status === 400 && error.attempts === 1 && /well-formed/.test(error.detail));
      const first = await publish(url, { title: 'keyed' }, { idempotencyKey: 'order-42' });
      const replay = await publish(url, { title: 'keyed' }, { idempotencyKey: 'order-42' });
      assert.deepEqual([replay.seq, replay.replayed, first.replayed], [first.seq, true, false], 'the same key and body: the first answer again');
      const reuse = publish(url, { title: 'another body' }, { idempotencyKey: 'order-42', onRetry: (e) => refusals.push(e) });
      await assert.rejects(reuse, (error: unknown) => error instanceof AtomMQRequestError && error.status === 422 && error.attempts === 1);
      assert.deepEqual(refusals, [], 'a 4xx is never retried');
      await server.stop();
      assert.deepEqual((await readSqliteLog(join(dir, 'bus.db'), FEED)).rows.map((r) => r.title), ['before', 'while down', 'keyed']);
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('FastCGI: lighttpd answers for a backend that is down; the publish goes through once it is back', async (t) => {
    if (!requireTool(t, 'lighttpd', 'the FastCGI front end')) return;
    const dir = await mkdtemp(join(tmpdir(), 'atommq-client-retry-'));
    const dsn = `sqlite:${join(dir, 'bus.db')}`;
    const front = await startLighttpdFront(dir, dsn);
    let backend = await startFastCgiBackend(front.socketPath, dsn);
    try {
      const url = `http://127.0.0.1:${front.port}/bus/feeds/${FEED}`;
      await publish(url, { title: 'before' });
      await killHard(backend);
      const retries = new RetryWatch();
      const pending = publish(url, { title: 'while down' }, { onRetry: retries.onRetry });
      await retries.first;
      backend = await startFastCgiBackend(front.socketPath, dsn);
      retries.assertOneKey(await pending, [502, 503]);
      await backend.stop();
      assert.deepEqual((await readSqliteLog(join(dir, 'bus.db'), FEED)).rows.map((r) => r.title), ['before', 'while down']);
    } finally {
      await backend.stop();
      await front.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('CGI: a read-only database answers 503 until it is writable again', async (t) => {
    if (!requireTool(t, 'lighttpd', 'the CGI front end')) return;
    const dir = await mkdtemp(join(tmpdir(), 'atommq-client-retry-'));
    const disk = await mountTmpfs(t, join(dir, 'disk'), 8 * 1024 * 1024);
    if (disk === undefined) return rm(dir, { recursive: true, force: true });
    const dbPath = join(disk.dir, 'bus.db');
    // Only lighttpd runs: each CGI request opens the database and closes it, so the folder
    // can be remounted between two requests.
    const front = await startLighttpdFront(dir, `sqlite:${dbPath}`);
    try {
      const url = `http://127.0.0.1:${front.port}/cgi-bin/mycoolfeed`;
      await publish(url, { title: 'before' });
      // The CGI process that answered may still be closing the database, which keeps the
      // kernel from remounting; it is gone a moment later.
      await whenNotBusy('the CGI process to leave the tmpfs', () => disk.remount('ro'));
      const retries = new RetryWatch();
      const pending = publish(url, { title: 'retried' }, { onRetry: retries.onRetry });
      await retries.first;
      disk.remount('rw');
      retries.assertOneKey(await pending, [503]);
      assert.deepEqual((await readSqliteLog(dbPath, FEED)).rows.map((r) => r.title), ['before', 'retried']);
    } finally {
      await front.stop();
      await whenNotBusy('the last CGI process to leave the tmpfs', () => disk.unmount());
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs a mount command until it succeeds: it fails (EBUSY) while a process still holds a file there. */
async function whenNotBusy(what: string, command: () => void): Promise<void> {
  await waitFor(what, async () => {
    command();
    return true;
  });
}

/** Records a publish's retries; `first` resolves at the first one. */
class RetryWatch {
  readonly events: RetryEvent[] = [];
  readonly first: Promise<RetryEvent>;
  readonly onRetry: (event: RetryEvent) => void;

  constructor() {
    let resolveFirst: (event: RetryEvent) => void = () => undefined;
    this.first = new Promise((resolve) => {
      resolveFirst = resolve;
    });
    this.onRetry = (event) => {
      this.events.push(event);
      if (this.events.length === 1) resolveFirst(event);
    };
  }

  /** The publish succeeded after retries of these statuses, all carrying one Idempotency-Key. */
  assertOneKey(stored: Published, statuses: ReadonlyArray<number | undefined>): void {
    assert.ok(this.events.length >= 1, 'the publish was retried');
    assert.equal(stored.attempts, this.events.length + 1, 'one attempt more than retries');
    for (const event of this.events) assert.ok(statuses.includes(event.status), `retried on ${event.status} (${event.reason})`);
    const [key] = this.events.map((e) => e.idempotencyKey);
    assert.match(key ?? '', /^[0-9a-f-]{36}$/, 'a generated Idempotency-Key');
    assert.ok(this.events.every((e) => e.idempotencyKey === key), 'every attempt carries the same key');
    assert.equal(stored.replayed, false);
  }
}
