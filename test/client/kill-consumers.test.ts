import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { publish } from '../../lib/client/index.js';
import { CLI } from '../support/processes.js';
import type { ConsumedLine } from './child-consumer.js';
import { ChildConsumer } from './child-consumer.js';
import type { Front } from './fronts.js';
import { FRONTS, startFront } from './fronts.js';

/**
 * Issue 13's acceptance: a consumer with a cursor file is SIGKILLed 3 times while 1,000
 * messages are published, and restarted each time. The union of what it printed is 1..1000 in
 * order, and the only repeats are at most one message per kill: the message whose line was out
 * when the kill came, before its cursor was saved. Run for `atommq tail` and for a consumer
 * script on the client's `subscribe`, through each front end.
 */
const MESSAGES = 1000;
const KILL_AT = [250, 500, 750];
const CONSUMER_SCRIPT = new URL('./consumer.js', import.meta.url).pathname;
const WAIT_MS = 180_000;

describe('consumers killed with SIGKILL resume from their cursor file', () => {
  for (const front of FRONTS) {
    it(`atommq tail --cursor-file --json, through ${front}`, async (t) => {
      await killThreeTimes(t, front, (feedUrl, cursorFile) => [CLI, 'tail', feedUrl, '--from-start', '--cursor-file', cursorFile, '--json']);
    });
    it(`subscribe() in a consumer script, through ${front}`, async (t) => {
      await killThreeTimes(t, front, (feedUrl, cursorFile) => [CONSUMER_SCRIPT, feedUrl, cursorFile]);
    });
  }
});

async function killThreeTimes(t: Parameters<typeof startFront>[0], front: Front, argsFor: (feedUrl: string, cursorFile: string) => string[]): Promise<void> {
  const servers = await startFront(t, front);
  if (servers === undefined) return;
  const runs: ConsumedLine[][] = [];
  const publishedAtKill: number[] = [];
  let published = 0;
  const stopPublishing = new AbortController();
  try {
    const args = argsFor(servers.feedUrl, join(servers.dir, 'consumer.cursor'));
    let consumer = new ChildConsumer(process.execPath, args);
    const publishing = (async () => {
      for (let n = 1; n <= MESSAGES; n++) {
        const stored = await publish(servers.httpFeedUrl, { title: `m-${n}`, content: `message ${n}` }, { signal: stopPublishing.signal });
        assert.equal(stored.seq, n, 'one publisher: message n gets seq n');
        published = n;
      }
    })();
    publishing.catch(() => undefined); // awaited below; a failure elsewhere must not leave it unhandled
    for (const [kill, at] of KILL_AT.entries()) {
      const seen = (): number => Math.max(consumer.lastSeq, ...runs.map((run) => run.at(-1)?.seq ?? 0));
      await consumer.waitUntil(`seq ${at} before kill ${kill + 1}`, () => seen() >= at, WAIT_MS);
      publishedAtKill.push(published);
      const ended = await consumer.stop('SIGKILL');
      assert.equal(ended.signal, 'SIGKILL');
      assert.equal(consumer.partial, '', 'no torn line: each line is written whole before the cursor moves');
      runs.push(consumer.lines);
      consumer = new ChildConsumer(process.execPath, args);
    }
    await publishing;
    await consumer.waitUntil(`seq ${MESSAGES}`, () => consumer.lastSeq >= MESSAGES, WAIT_MS);
    const ended = await consumer.stop('SIGTERM');
    assert.equal(ended.code, 0, `a consumer stopped with SIGTERM exits 0: ${consumer.stderr}`);
    runs.push(consumer.lines);
  } finally {
    stopPublishing.abort();
    await servers.close();
  }
  t.diagnostic(`lines per run ${runs.map((r) => r.length).join(', ')}; published at each kill ${publishedAtKill.join(', ')}`);
  assertResumedExactly(runs);
}

/** Each run prints consecutive seqs; each restart resumes at the last printed seq or the next. */
function assertResumedExactly(runs: readonly ConsumedLine[][]): void {
  let expected = 1;
  let repeats = 0;
  for (const [index, run] of runs.entries()) {
    const first = run[0];
    assert.ok(first !== undefined, `run ${index + 1} printed something`);
    if (first.seq === expected - 1) repeats += 1;
    else assert.equal(first.seq, expected, `run ${index + 1} resumes right after the last message the previous run printed, or repeats that one`);
    for (const [offset, line] of run.entries()) {
      assert.equal(line.seq, first.seq + offset, `run ${index + 1} prints consecutive messages`);
      assert.equal(line.title, `m-${line.seq}`);
      assert.equal(line.deleted, false);
      assert.match(line.id, /^urn:uuid:/);
      assert.match(line.updated, /^\d{4}-\d\d-\d\dT/);
    }
    expected = (run.at(-1)?.seq ?? 0) + 1;
  }
  assert.equal(expected, MESSAGES + 1, 'the union of the output is 1..1000');
  assert.ok(repeats <= KILL_AT.length, `at most one repeat per kill (got ${repeats})`);
}
