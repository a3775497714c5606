import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseFeed } from '../support/atom.js';
import type { TestResponse } from '../support/http.js';
import { httpFetch } from '../support/http.js';
import type { Running } from '../support/processes.js';
import { startServeHttp } from '../support/processes.js';
import { waitFor } from '../support/tools.js';
import { Ledger, classify, entryBody, postEntry } from './ledger.js';
import { killHard } from './lighttpd-front.js';
import { mountTmpfs } from './mounts.js';
import { assertLogKeepsLedger, readSqliteLog } from './stored-log.js';

/**
 * Issue 7, "the database becomes unwritable": a disk that is full, and a folder that is
 * read-only. Either way a POST is a 503 problem document with Retry-After, nothing of it is
 * stored, reads keep working, and writes resume by themselves once the fault is gone. The
 * database sits on a tmpfs of its own, since the tests run as root, whom file modes do not stop.
 */
const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

describe('the database becomes unwritable (SQLite, atommq serve over HTTP)', () => {
  it('disk full: 503 with Retry-After, nothing partial stored, reads work, writes resume when space returns', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-crash-full-'));
    const disk = await mountTmpfs(t, join(dir, 'disk'), 4 * 1024 * 1024);
    if (disk === undefined) return rm(dir, { recursive: true, force: true });
    const dbPath = join(disk.dir, 'bus.db');
    let server: (Running & { port: number }) | undefined;
    try {
      server = await startServeHttp(['--dsn', `sqlite:${dbPath}`]);
      const ledger = await publishSome(server.port, '/feeds/full', 'before', 5);
      const filler = join(disk.dir, 'filler');
      assert.ok(fillUntilFull(filler) > 0, 'the filler took the remaining space');

      // The first publish that needs a new page of the WAL meets ENOSPC (SQLITE_FULL).
      const refused: string[] = [];
      let answer: TestResponse | undefined;
      for (let n = 0; n < 50 && answer === undefined; n++) {
        const response = await httpFetch(server.port, 'POST', '/feeds/full', { headers: ENTRY, body: entryBody(`full-${n}`) });
        if (response.status === 201) ledger.record(`full-${n}`, classify(response));
        else {
          refused.push(`full-${n}`);
          answer = response;
        }
      }
      assertUnavailable(answer, 'a full disk');
      const again = await httpFetch(server.port, 'POST', '/feeds/full', { headers: ENTRY, body: entryBody('full-again') });
      refused.push('full-again');
      assertUnavailable(again, 'a disk that is still full');
      const running = server;
      await waitFor('SQLITE_FULL in the server log', async () => running.stderr().includes('SQLITE_FULL'));

      const page = await httpFetch(server.port, 'GET', '/feeds/full');
      assert.equal(page.status, 200, 'reads keep working on a full disk');
      assert.deepEqual(parseFeed(page.body).entries.map((e) => e.title), [...ledger.acked.keys()], 'the feed holds what was acknowledged');

      await unlink(filler);
      const resumed = await postEntry(server.port, '/feeds/full', 'after', 10_000);
      assert.equal(resumed.kind, 'ack', `writes resume once space returns: ${JSON.stringify(resumed)}`);
      ledger.record('after', resumed);
      assert.equal(resumed.kind === 'ack' ? resumed.seq : 0, ledger.acked.size, 'the refused publishes took no sequence number');

      await server.stop();
      server = undefined;
      const log = await readSqliteLog(dbPath, 'full');
      assert.equal(log.integrity, 'ok', 'PRAGMA integrity_check');
      assertLogKeepsLedger(log, ledger);
      assert.deepEqual(log.rows.filter((r) => refused.includes(r.title)), [], 'nothing of a refused publish is stored');
    } finally {
      await server?.stop();
      disk.unmount();
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The kernel refuses to remount a file system read-only (EBUSY) while a process holds a file on
  // it open for writing, and a running AtomMQ always does: its database, WAL and shared-memory
  // index. So a folder only "becomes" read-only between two runs: here the server dies, its folder
  // turns read-only (as the kernel does to a failing disk with errors=remount-ro), the supervisor
  // restarts the server on it, and later the folder is made writable again.
  it('read-only folder: a server started on it reads, answers 503 to writes, and writes once it is writable again', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-crash-ro-'));
    const disk = await mountTmpfs(t, join(dir, 'disk'), 8 * 1024 * 1024);
    if (disk === undefined) return rm(dir, { recursive: true, force: true });
    const dbPath = join(disk.dir, 'bus.db');
    let server: (Running & { port: number }) | undefined;
    try {
      server = await startServeHttp(['--dsn', `sqlite:${dbPath}`]);
      const ledger = await publishSome(server.port, '/feeds/ro', 'before', 5);
      await killHard(server);
      assert.ok(existsSync(`${dbPath}-wal`) && existsSync(`${dbPath}-shm`), 'the killed server left its WAL and index behind');
      disk.remount('ro');

      server = await startServeHttp(['--dsn', `sqlite:${dbPath}`]);
      const page = await httpFetch(server.port, 'GET', '/feeds/ro');
      assert.equal(page.status, 200, `reads work on a read-only folder: ${page.body}`);
      assert.deepEqual(parseFeed(page.body).entries.map((e) => e.title), [...ledger.acked.keys()]);
      const refused = await httpFetch(server.port, 'POST', '/feeds/ro', { headers: ENTRY, body: entryBody('refused') });
      assertUnavailable(refused, 'a read-only folder');
      const running = server;
      await waitFor('SQLITE_READONLY in the server log', async () => running.stderr().includes('SQLITE_READONLY'));

      disk.remount('rw');
      const resumed = await postEntry(server.port, '/feeds/ro', 'after', 10_000);
      assert.equal(resumed.kind, 'ack', `writes resume once the folder is writable, without a restart: ${JSON.stringify(resumed)}`);
      ledger.record('after', resumed);
      const reread = await httpFetch(server.port, 'GET', '/feeds/ro');
      assert.deepEqual(parseFeed(reread.body).entries.map((e) => e.title), [...ledger.acked.keys()], 'readers see the new entry');

      await server.stop();
      server = undefined;
      const log = await readSqliteLog(dbPath, 'ro');
      assert.equal(log.integrity, 'ok', 'PRAGMA integrity_check');
      assertLogKeepsLedger(log, ledger);
      assert.equal(log.rows.some((r) => r.title === 'refused'), false, 'the refused publish is not stored');
    } finally {
      await server?.stop();
      disk.unmount();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Publishes `count` entries titled `prefix-0…`, each of which must be acknowledged. */
async function publishSome(port: number, path: string, prefix: string, count: number): Promise<Ledger> {
  const ledger = new Ledger();
  for (let n = 0; n < count; n++) ledger.record(`${prefix}-${n}`, await postEntry(port, path, `${prefix}-${n}`, 10_000));
  assert.deepEqual([...ledger.failures, ...ledger.unknown.keys()], [], 'the set-up publishes are acknowledged');
  return ledger;
}

/** Writes zeros to `path` until the file system is full; returns the bytes written. */
function fillUntilFull(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (let i = 0; i < 10_000; i++) written += writeSync(fd, chunk);
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'ENOSPC')) throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

/** A 503 problem document with Retry-After: the answer for a database that cannot be written. */
function assertUnavailable(response: TestResponse | undefined, cause: string): void {
  assert.ok(response !== undefined, `a publish on ${cause} was refused`);
  assert.equal(response.status, 503, `${cause}: ${response.body}`);
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+xml/);
  assert.equal(response.headers['retry-after'], '1');
  assert.match(response.body, /<status>503<\/status>.*<detail>[^<]+<\/detail>/s);
}
