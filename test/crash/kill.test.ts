import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { CGI_SCRIPT, parseCgiOutput } from '../support/cgi.js';
import { envFor } from '../support/env.js';
import { CLI, startProcess } from '../support/processes.js';
import { requireTool, waitFor } from '../support/tools.js';
import type { Outcome } from './ledger.js';
import { Ledger, Publishers, classify, entryBody, postEntry } from './ledger.js';
import { isSocketListening, killHard, startFastCgiBackend, startLighttpdFront } from './lighttpd-front.js';
import { assertLogKeepsLedger, countUnansweredStored, readSqliteLog } from './stored-log.js';

/**
 * Issue 7, "kill -9 under load", on SQLite: a publisher that got a 201 must find its entry after
 * any crash, exactly once, with gapless sequence numbers and an intact database file. Entries
 * whose request got no answer may or may not exist, but never twice.
 *
 * The FastCGI case also covers issue 6's acceptance item "group commit keeps the guarantees":
 * `atommq serve --fastcgi` group-commits concurrent publishes into shared transactions, so the
 * kills land between a batch's COMMIT and its 201s as well as inside batches.
 */
const PUBLISHERS = 8;
const KILLS = 5;
/** A real publisher backs off before retrying after an unknown outcome; this is not synchronization. */
const RETRY_BACKOFF_MS = 50;

describe('kill -9 under load (SQLite)', () => {
  it(`FastCGI behind lighttpd: ${PUBLISHERS} publishers while atommq serve --fastcgi is killed and restarted ${KILLS} times`, async (t) => {
    if (!requireTool(t, 'lighttpd', 'the FastCGI front end of this test')) return;
    const dir = await mkdtemp(join(tmpdir(), 'atommq-crash-kill-'));
    const dbPath = join(dir, 'bus.db');
    const dsn = `sqlite:${dbPath}`;
    const ledger = new Ledger();
    const inFlightAtKill: number[] = [];
    try {
      const front = await startLighttpdFront(dir, dsn);
      let backend = await startFastCgiBackend(front.socketPath, dsn);
      const publishers = new Publishers(PUBLISHERS, 20_000, async (p, n) => {
        const title = `fcgi-${p}-${n}`;
        const outcome = await postEntry(front.port, '/bus/feeds/crash', title, 30_000);
        ledger.record(title, outcome);
        if (outcome.kind !== 'ack') await delay(RETRY_BACKOFF_MS);
      });
      try {
        for (let kill = 1; kill <= KILLS; kill++) {
          // Kill at a random point of the load: after 50 to 300 more acknowledgements.
          const target = ledger.acked.size + 50 + Math.floor(Math.random() * 250);
          await waitFor(`${target} acknowledged entries before kill ${kill}`, async () => ledger.acked.size >= target || ledger.failures.length > 0, 30_000);
          assert.deepEqual(ledger.failures, [], 'no publish failed outright');
          inFlightAtKill.push(publishers.inFlight);
          await killHard(backend);
          // The restart reuses the socket path that the killed process left behind.
          backend = await startFastCgiBackend(front.socketPath, dsn);
        }
        const target = ledger.acked.size + 100;
        await waitFor('publishing to resume after the last restart', async () => ledger.acked.size >= target || ledger.failures.length > 0, 30_000);
      } finally {
        await publishers.stop();
        await backend.stop();
        await front.stop();
      }
      t.diagnostic(`acknowledged ${ledger.acked.size}, unknown ${JSON.stringify(ledger.unknownReasons())}, in flight at each kill ${inFlightAtKill.join(',')}`);
      assert.deepEqual(ledger.failures, [], 'no publish failed outright');
      assert.ok(inFlightAtKill.every((n) => n > 0), 'every kill hit requests in flight');
      const log = await readSqliteLog(dbPath, 'crash');
      assert.equal(log.integrity, 'ok', 'PRAGMA integrity_check');
      assertLogKeepsLedger(log, ledger);
      t.diagnostic(`stored ${log.rows.length}; unanswered but committed ${countUnansweredStored(log, ledger)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a restarted FastCGI server takes over the socket a killed one left, but never a live one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-crash-socket-'));
    const socketPath = join(dir, 'atommq.sock');
    const dsn = `sqlite:${join(dir, 'bus.db')}`;
    try {
      const killed = await startFastCgiBackend(socketPath, dsn);
      await killHard(killed);
      assert.ok(existsSync(socketPath), 'kill -9 leaves the socket file behind');
      const live = await startFastCgiBackend(socketPath, dsn);
      try {
        const intruder = startProcess(process.execPath, [CLI, 'serve', '--fastcgi', socketPath, '--dsn', dsn]);
        const code = await new Promise<number | null>((resolve) => intruder.child.once('exit', (c) => resolve(c)));
        assert.notEqual(code, 0, 'a second server on a live socket exits with an error');
        assert.match(intruder.stderr(), /EADDRINUSE/);
        assert.ok(await isSocketListening(socketPath), 'the live server keeps its socket');
      } finally {
        await live.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('CGI: publishing processes SIGKILLed at random moments of their request', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-crash-cgi-'));
    const dbPath = join(dir, 'bus.db');
    const ledger = new Ledger();
    const durations: number[] = [];
    let killed = 0;
    try {
      // Every other request is killed after a random share (0 to 1.5×) of the median time a
      // request takes here, so kills land in start-up, parsing, the transaction and the answer.
      await Promise.all(Array.from({ length: PUBLISHERS }, async (_, p) => {
        for (let n = 0; n < 16; n++) {
          const title = `cgi-${p}-${n}`;
          const killAfterMs = n % 2 === 1 ? Math.random() * 1.5 * median(durations) : undefined;
          const started = Date.now();
          const result = await publishThroughCgi(title, dbPath, killAfterMs);
          if (result.wasKilled) killed += 1;
          else durations.push(Date.now() - started);
          ledger.record(title, result.outcome);
        }
      }));
      // The database is still usable: one more CGI publish, unharmed.
      ledger.record('cgi-after', (await publishThroughCgi('cgi-after', dbPath, undefined)).outcome);
      t.diagnostic(`killed ${killed}, acknowledged ${ledger.acked.size}, unknown ${JSON.stringify(ledger.unknownReasons())}, median ${median(durations)} ms`);
      assert.deepEqual(ledger.failures, [], 'no CGI request failed outright');
      assert.ok(killed >= 10, `at least 10 of 64 kill attempts hit a running request (got ${killed})`);
      assert.ok(ledger.acked.has('cgi-after'), 'a publish after the kills is acknowledged');
      const log = await readSqliteLog(dbPath, 'MyCoolFeed');
      assert.equal(log.integrity, 'ok', 'PRAGMA integrity_check');
      assertLogKeepsLedger(log, ledger);
      t.diagnostic(`stored ${log.rows.length}; killed but committed ${countUnansweredStored(log, ledger)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Runs the cgi-bin script for one POST, as a web server would; SIGKILLs it after `killAfterMs`
 * when given. A killed request's outcome is unknown.
 */
function publishThroughCgi(title: string, dbPath: string, killAfterMs: number | undefined): Promise<{ outcome: Outcome; wasKilled: boolean }> {
  const { env, body } = envFor('POST ', {
    scriptName: '/cgi-bin/mycoolfeed', headers: { 'Content-Type': 'application/atom+xml;type=entry' }, body: entryBody(title),
  });
  return new Promise((resolve) => {
    const variables: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ATOMMQ_DSN: `sqlite:${dbPath}` };
    for (const [k, v] of Object.entries(env)) if (v !== undefined) variables[k] = v;
    const child = spawn(CGI_SCRIPT, [], { env: variables, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => undefined); // a killed script stops reading its body
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') {
        resolve({ outcome: { kind: 'unknown', why: 'killed' }, wasKilled: true });
        return;
      }
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        resolve({ outcome: { kind: 'failure', why: `exited ${signal ?? code}: ${stderr}` }, wasKilled: false });
        return;
      }
      try {
        resolve({ outcome: classify(parseCgiOutput(Buffer.concat(out))), wasKilled: false });
      } catch (error) {
        resolve({ outcome: { kind: 'failure', why: `unparsable CGI output: ${String(error)} ${stderr}` }, wasKilled: false });
      }
    });
    child.stdin.end(body);
  });
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 150;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 150;
}
