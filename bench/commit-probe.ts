import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteConnection } from '../lib/storage/sqlite/connection.js';

/**
 * A benchmark-only preload (`NODE_OPTIONS=--import …/commit-probe.js`) for an `atommq serve`
 * process on SQLite. It leaves lib/ untouched and wraps two methods of the SQLite connection:
 *
 * - it counts transactions (`COMMIT`) and append jobs (each takes its sequence numbers with one
 *   `UPDATE atommq_feed … RETURNING`), so the benchmark can report commits/s and entries per
 *   commit from outside the store;
 * - with `ATOMMQ_BENCH_COMMIT_DELAY_MS`, it sleeps that long before each `COMMIT`, while the write
 *   lock is held, which is what a slow fsync does: a deliberately slow disk, in software;
 * - it counts reads: queries of log rows, of feed rows, and `PRAGMA data_version` polls, so
 *   the fan-out rows can report database reads per commit.
 *
 * On SIGUSR2 it writes `{ pid, commits, jobs, rowReads, feedReads, polls }` to `$ATOMMQ_BENCH_PROBE_DIR/<pid>.json`.
 */
const delayMs = Number(process.env['ATOMMQ_BENCH_COMMIT_DELAY_MS'] ?? 0);
const probeDir = process.env['ATOMMQ_BENCH_PROBE_DIR'];
// The preload applies to this process only; nothing it starts should inherit it.
delete process.env['NODE_OPTIONS'];

let commits = 0;
let jobs = 0;
const proto = SqliteConnection.prototype;
const run = proto.run;
proto.run = async function probedRun(this: SqliteConnection, sql: string, params?: Parameters<typeof run>[1]): Promise<number> {
  if (sql !== 'COMMIT') return run.call(this, sql, params);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const changed = await run.call(this, sql, params);
  commits += 1;
  return changed;
};
// Reads: every query of the log's rows or the feed row, and the data_version polls apart (those
// run on a timer while someone waits, so they count per second, not per commit). Each append job
// takes its numbers with one `UPDATE atommq_feed … RETURNING`.
let rowReads = 0;
let feedReads = 0;
let polls = 0;
const all = proto.all;
proto.all = async function probedAll(this: SqliteConnection, sql: string, params?: Parameters<typeof all>[1]): Promise<unknown[]> {
  if (sql.startsWith('PRAGMA data_version')) polls += 1;
  else if (sql.startsWith('UPDATE atommq_feed SET last_seq')) jobs += 1;
  else if (/^\s*SELECT\b[\s\S]*\bFROM atommq_entry\b/.test(sql)) rowReads += 1;
  else if (/^\s*SELECT\b/.test(sql)) feedReads += 1;
  return all.call(this, sql, params);
};

if (probeDir !== undefined) {
  process.on('SIGUSR2', () => {
    writeFileSync(join(probeDir, `${process.pid}.json`), JSON.stringify({ pid: process.pid, commits, jobs, rowReads, feedReads, polls }));
  });
}
