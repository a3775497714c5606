import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { whyUnavailable } from '../support/front-end-check.js';
import { FRONT_END_COMMANDS, FRONT_END_KINDS, startFrontEnd } from '../support/front-ends.js';
import { httpFetch } from '../support/http.js';
import { SERVICE_USER, WEB_USER, userIds } from '../support/service-user.js';

/** The real uid of a process, from /proc. */
function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** The direct children of a process, from /proc. */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter((p) => p !== '').map(Number);
}

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

describe('who runs what, as the examples are deployed', { timeout: 120_000 }, () => {
  for (const kind of FRONT_END_KINDS) {
    it(`${kind}: workers run as www-data, atommq serve as its own user`, { skip: whyUnavailable(FRONT_END_COMMANDS[kind], 'root') }, async () => {
      const front = await startFrontEnd(kind);
      try {
        const web = userIds(WEB_USER);
        const service = userIds(SERVICE_USER);
        assert.equal((await httpFetch(front.port, 'POST', '/bus/feeds/who', { headers: ENTRY, body: '<entry><title>x</title></entry>' })).status, 201);
        const workers = childrenOf(front.serverPid);
        assert.ok(workers.length > 0, 'the web server has worker processes');
        for (const worker of workers) assert.equal(uidOf(worker), web?.uid, `worker ${worker} runs as ${WEB_USER}`);
        assert.equal(uidOf(front.serve?.child.pid ?? 0), service?.uid, `atommq serve runs as ${SERVICE_USER}`);
        if (kind === 'apache') {
          const posted = await httpFetch(front.port, 'POST', '/cgi-bin/mycoolfeed', { headers: ENTRY, body: '<entry><title>x</title></entry>' });
          assert.equal(posted.status, 201, posted.body);
          assert.equal(statSync(join(front.stateDir, 'atommq.db')).uid, web?.uid, 'the CGI script ran as www-data');
        }
      } finally {
        await front.stop();
      }
    });
  }
});
