import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readSqliteLog } from '../crash/stored-log.js';
import type { Front } from './fronts.js';
import { FEED, startFront } from './fronts.js';
import { ImportRun, writeFeedFile } from './import-run.js';

/**
 * Issue 13's acceptance: `atommq import` publishes a feed file, is killed with SIGKILL halfway,
 * and is run again: every entry is stored exactly once, in file order. Then the progress file is
 * set back two batches, which is what a kill between a batch's commit and the progress save
 * leaves behind: the rerun resends those batches with their Idempotency-Keys, and the server
 * answers from memory instead of storing them again. 100,000 entries over HTTP; fewer through
 * lighttpd, where CGI starts a process per batch.
 */
const CASES: ReadonlyArray<{ front: Front; entries: number; batchSize: number }> = [
  { front: 'http', entries: 100_000, batchSize: 1000 },
  { front: 'fastcgi', entries: 20_000, batchSize: 500 },
  { front: 'cgi', entries: 3_000, batchSize: 250 },
];
const WAIT_MS = 300_000;

describe('atommq import: killed halfway and rerun, every entry once', () => {
  for (const { front, entries, batchSize } of CASES) {
    it(`${entries} entries through ${front}`, async (t) => {
      const servers = await startFront(t, front);
      if (servers === undefined) return;
      try {
        const file = join(servers.dir, 'export.xml');
        await writeFeedFile(file, entries);
        const args = [servers.feedUrl, file, '--batch-size', String(batchSize)];

        const first = new ImportRun(args);
        await first.waitForProgress(entries / 2, WAIT_MS);
        const killed = await first.kill();
        assert.equal(killed.signal, 'SIGKILL');
        const atKill = first.done;
        assert.ok(atKill < entries && first.stdout === '', `the kill came before the import finished (it had reported ${atKill})`);

        const second = new ImportRun(args);
        assert.equal((await second.ended).code, 0, second.stderr);
        const summary = /imported (\d+) entries .* \((\d+) entries\/s\); (\d+) were imported before/.exec(second.stdout);
        assert.ok(summary !== null, `the rerun says what it did: ${second.stdout}`);
        assert.equal(Number(summary[1]) + Number(summary[3]), entries, 'the rerun imports what the first run did not');
        t.diagnostic(`killed at ${atKill} of ${entries}; the rerun imported ${summary[1]} at ${summary[2]} entries/s: ${second.stdout.trim()}`);
        await assertStoredOnce(servers.dsn, entries);

        const progressFile = `${file}.atommq-import`;
        const progress: unknown = JSON.parse(await readFile(progressFile, 'utf8'));
        assert.ok(typeof progress === 'object' && progress !== null, 'the progress file holds an object');
        const done = Number(Reflect.get(progress, 'done'));
        await writeFile(progressFile, JSON.stringify({ ...progress, done: done - 2, entries: entries - 2 * batchSize }));
        const rewound = new ImportRun(args);
        assert.equal((await rewound.ended).code, 0, rewound.stderr);
        assert.match(rewound.stdout, /2 batch\(es\) were already stored, and were not stored again/);
        await assertStoredOnce(servers.dsn, entries);

        const third = new ImportRun(args);
        assert.equal((await third.ended).code, 0, third.stderr);
        assert.match(third.stdout, /^nothing to import: all \d+ entries/);
      } finally {
        await servers.close();
      }
    });
  }
});

/** The feed holds imp-0 … imp-(count-1), each exactly once, at seqs 1 … count. */
async function assertStoredOnce(dsn: string, count: number): Promise<void> {
  const log = await readSqliteLog(dsn.slice('sqlite:'.length), FEED);
  assert.equal(log.lastSeq, count, 'as many entries as the file holds');
  const wrong = log.rows.filter((row, index) => row.seq !== index + 1 || row.title !== `imp-${index}`);
  assert.deepEqual(wrong.slice(0, 5), [], 'entry n of the file is at seq n+1, once');
  assert.equal(log.rows.length, count);
}
