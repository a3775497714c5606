import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { subscribe } from '../../lib/client/index.js';
import { httpFetch } from '../support/http.js';
import type { Running } from '../support/processes.js';
import { CLI, startServeHttp } from '../support/processes.js';
import { waitFor } from '../support/tools.js';
import { entryXml } from './claims.js';

const run = promisify(execFile);

describe('consumer groups from the client side: subscribe() and atommq work', () => {
  let head: Running & { port: number };
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atommq-work-'));
    head = await startServeHttp(['--dsn', `sqlite:${join(dir, 'bus.db')}`]);
  });
  after(async () => {
    await head.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const publish = async (feed: string, n: number): Promise<void> => {
    for (let i = 1; i <= n; i++) assert.equal((await httpFetch(head.port, 'POST', `/feeds/${feed}`, { body: entryXml(`job ${i}`) })).status, 201);
  };
  const status = async (feed: string, group: string): Promise<Record<string, number>> =>
    JSON.parse((await httpFetch(head.port, 'GET', `/feeds/${feed}/groups/${group}`)).body) as Record<string, number>;

  it('subscribe() acks after the loop body and nacks when it throws; the group is created on first use', async () => {
    await publish('sub', 5);
    const feedUrl = `http://127.0.0.1:${head.port}/feeds/sub`;
    const seen: Array<[string, number]> = [];
    const stop = new AbortController();
    const options = { group: 'svc', max: 2, waitSeconds: 1, signal: stop.signal };
    await assert.rejects(async () => {
      for await (const message of subscribe(feedUrl, options)) {
        seen.push([message.title, message.deliveries]);
        if (message.title === 'job 3') throw new Error('cannot do job 3 yet');
      }
    }, /cannot do job 3/);
    assert.deepEqual((await status('sub', 'svc'))['ackedThrough'], 2, 'jobs 1 and 2 were acked after their loop bodies');
    for await (const message of subscribe(feedUrl, options)) {
      seen.push([message.title, message.deliveries]);
      assert.match(message.etag, new RegExp(`^"[0-9a-f]{8}\\.${message.seq}"$`), 'a claimed message names its log position, as a log message does');
      if ((await status('sub', 'svc'))['lag'] === 1) stop.abort(); // this is the last one
    }
    assert.deepEqual(seen, [['job 1', 1], ['job 2', 1], ['job 3', 1], ['job 3', 2], ['job 4', 2], ['job 5', 1]],
      'job 3 was nacked and came back at once; job 4, claimed with it but never yielded, was nacked too');
    assert.deepEqual([(await status('sub', 'svc'))['lag'], (await status('sub', 'svc'))['ackedThrough']], [0, 5]);
  });

  it('atommq/client: subscribe(feedUrl, { group }) acks after the loop body, nacks on throw, and works across restarts', async () => {
    await publish('client', 4);
    const feedUrl = `http://127.0.0.1:${head.port}/feeds/client`;
    const seen: Array<[string, number, boolean]> = [];
    const stop = new AbortController();
    const options = { group: 'lib', max: 2, waitSeconds: 1, signal: stop.signal };
    await assert.rejects(async () => {
      for await (const message of subscribe(feedUrl, options)) {
        seen.push([message.title, message.seq, message.deleted]);
        if (message.title === 'job 2') throw new Error('not yet');
      }
    }, /not yet/);
    assert.equal((await status('client', 'lib'))['ackedThrough'], 1);
    for await (const message of subscribe(feedUrl, options)) {
      seen.push([message.title, message.seq, message.deleted]);
      if ((await status('client', 'lib'))['lag'] === 1) stop.abort();
    }
    assert.deepEqual(seen, [['job 1', 1, false], ['job 2', 2, false], ['job 2', 2, false], ['job 3', 3, false], ['job 4', 4, false]]);
    assert.deepEqual([(await status('client', 'lib'))['lag'], (await status('client', 'lib'))['ackedThrough']], [0, 4]);
  });

  it('atommq work killed with SIGKILL mid-command, then restarted: every command succeeds once; the killed one runs again', async () => {
    const log = join(dir, 'work.log');
    await publish('work', 8);
    assert.equal((await httpFetch(head.port, 'PUT', '/feeds/work/groups/w?lease=1')).status, 201);
    // Job 5's first delivery takes long: the worker is killed while it runs.
    const script = `echo "start $ATOMMQ_SEQ $ATOMMQ_DELIVERIES" >> ${log}; `
      + `if [ "$ATOMMQ_SEQ" = 5 ] && [ "$ATOMMQ_DELIVERIES" = 1 ]; then sleep 60; fi; `
      + `grep -q '<title>job' && echo "done $ATOMMQ_SEQ" >> ${log}`;
    const start = (): ReturnType<typeof spawn> => spawn(process.execPath,
      [CLI, 'work', `http://127.0.0.1:${head.port}/feeds/work`, '--group', 'w', '--', 'sh', '-c', script],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const lines = async (): Promise<string[]> => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    const first = start();
    await waitFor('job 5 to start', async () => (await lines()).includes('start 5 1'), 20_000);
    // Kill the worker's whole process group, as systemd or a terminal would: the command dies too.
    const firstExit = new Promise((resolve) => first.once('exit', resolve));
    process.kill(-(first.pid ?? 0), 'SIGKILL');
    await firstExit;
    const second = start();
    let stderr = '';
    second.stderr?.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    await waitFor('the group to be drained', async () => (await status('work', 'w'))['lag'] === 0, 30_000);
    const secondExit = new Promise((resolve) => second.once('exit', (code) => resolve(code)));
    second.kill('SIGTERM');
    assert.equal(await secondExit, 0, stderr);
    const all = await lines();
    assert.deepEqual(all.filter((l) => l.startsWith('done')).sort(), ['done 1', 'done 2', 'done 3', 'done 4', 'done 5', 'done 6', 'done 7', 'done 8']);
    const starts = all.filter((l) => l.startsWith('start'));
    assert.deepEqual(starts.filter((l) => l.startsWith('start 5 ')), ['start 5 1', 'start 5 2'], 'the killed command ran again, as delivery 2');
    assert.equal(starts.length, 9, 'every other command ran once');
    assert.match(stderr, /entry 5, delivery 2: acked/);
  });

  it('atommq groups lists the groups of a feed with their lag', async () => {
    await publish('listed', 3);
    assert.equal((await httpFetch(head.port, 'PUT', '/feeds/listed/groups/behind')).status, 201);
    assert.equal((await httpFetch(head.port, 'PUT', '/feeds/listed/groups/current?start=end')).status, 201);
    const { stdout } = await run(process.execPath, [CLI, 'groups', `http://127.0.0.1:${head.port}/feeds/listed`]);
    const rows = stdout.trim().split('\n').map((line) => line.split('\t'));
    assert.deepEqual(rows.map((r) => [r[0], r[1]]), [['group', 'lag'], ['behind', '3'], ['current', '0']]);
    await assert.rejects(run(process.execPath, [CLI, 'groups', `http://127.0.0.1:${head.port}/feeds/nosuch`]), (error: unknown) => Reflect.get(Object(error), 'code') === 1);
  });
});
