import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { whyUnavailable } from '../support/front-end-check.js';
import { FRONT_END_COMMANDS, FRONT_END_KINDS, startFrontEnd } from '../support/front-ends.js';
import { httpFetch } from '../support/http.js';
import type { Running } from '../support/processes.js';
import { startServeHttp } from '../support/processes.js';
import { rawRequest } from '../support/raw-request.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

/**
 * A consumer long-polls with `Prefer: wait=20`; the server gets SIGTERM. The poll must get its
 * normal end at once (304 for If-None-Match, with Preference-Applied), long before its 20 s,
 * and the server must exit 0.
 */
async function stopDuringLongPoll(serve: Running, port: number, feedPath: string, healthPath: string): Promise<void> {
  const posted = await httpFetch(port, 'POST', feedPath, { headers: ENTRY, body: '<entry><title>before</title></entry>' });
  assert.equal(posted.status, 201, posted.body);
  const poll = rawRequest(port, 'GET', feedPath, { 'If-None-Match': posted.headers['etag'] ?? '', Prefer: 'wait=20' });
  await poll.connected;
  // Answered after the poll's connection was accepted (connections are accepted in order).
  assert.equal((await httpFetch(port, 'GET', healthPath)).status, 200);
  const exited = once(serve.child, 'exit');
  const stoppedAt = performance.now();
  serve.child.kill('SIGTERM');
  const answer = await poll.response;
  assert.equal(answer.status, 304, answer.head);
  assert.match(answer.head, /^preference-applied: wait=20$/im);
  assert.ok(performance.now() - stoppedAt < 10_000, 'answered on SIGTERM, not at the end of its wait');
  const [code] = await exited;
  assert.equal(code, 0, serve.stderr());
}

describe('graceful stop on SIGTERM', { timeout: 120_000 }, () => {
  it('atommq serve over HTTP answers a waiting long poll with its normal end, then exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-stop-'));
    const serve = await startServeHttp(['--dsn', `sqlite:${join(dir, 'bus.db')}`]);
    try {
      await stopDuringLongPoll(serve, serve.port, '/feeds/stop', '/health');
    } finally {
      await serve.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const kind of FRONT_END_KINDS) {
    it(`atommq serve --fastcgi behind ${kind} does the same, through ${kind}`, { skip: whyUnavailable(FRONT_END_COMMANDS[kind], 'root') }, async () => {
      const front = await startFrontEnd(kind);
      try {
        assert.ok(front.serve !== undefined);
        await stopDuringLongPoll(front.serve, front.port, '/bus/feeds/stop', '/bus/health');
        assert.doesNotMatch(await front.errorLog(), /\[(error|proxy_fcgi:error)\]/);
      } finally {
        await front.stop();
      }
    });
  }
});
