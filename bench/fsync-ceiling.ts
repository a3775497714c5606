import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';

/**
 * The fsync ceiling: durable single-row SQLite commits per second (WAL, synchronous=FULL, one
 * ~300-byte row per autocommit INSERT, one connection), on the disk that holds `dir`. This is the
 * most a server that commits once per message could publish. A tiny separate process, so nothing
 * else of AtomMQ is measured.
 *
 * usage: node dist/bench/fsync-ceiling.js DIR SECONDS   → prints {"commits":…,"seconds":…,"perSecond":…}
 */
async function main(dir: string, seconds: number): Promise<void> {
  const work = await mkdtemp(join(dir, 'fsync-'));
  const db = new sqlite3.Database(join(work, 'ceiling.db'));
  const exec = (sql: string): Promise<void> => new Promise((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
  const insert = (value: string): Promise<void> =>
    new Promise((resolve, reject) => db.run('INSERT INTO t (v) VALUES (?)', [value], (e: Error | null) => (e ? reject(e) : resolve())));
  try {
    await exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const row = 'x'.repeat(300);
    const warmupEnd = performance.now() + 300;
    while (performance.now() < warmupEnd) await insert(row);
    let commits = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      await insert(row);
      commits += 1;
    }
    const elapsed = (performance.now() - start) / 1000;
    process.stdout.write(`${JSON.stringify({ commits, seconds: elapsed, perSecond: commits / elapsed })}\n`);
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
    await rm(work, { recursive: true, force: true });
  }
}

const [dir, seconds] = process.argv.slice(2);
main(dir ?? '/tmp', Number(seconds ?? 3)).catch((error: unknown) => {
  process.stderr.write(`fsync-ceiling: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
