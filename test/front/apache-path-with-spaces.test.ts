import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { whyUnavailable } from '../support/front-end-check.js';
import { startFrontEnd } from '../support/front-ends.js';
import { httpFetch } from '../support/http.js';
import { REPO_ROOT } from '../support/processes.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

/**
 * An operator whose AtomMQ lives in a path with a space quotes the Define
 * (`Define ATOMMQ_HOME "/srv/my apps/atommq"`). Apache substitutes ${ATOMMQ_HOME} before it
 * splits a directive into arguments, so every use must be quoted too, or the site does not load.
 * mod_fcgid splits its command line at spaces whatever the quoting (the example says so), so
 * only the CGI and /bus routes are checked here.
 */
describe('apache.conf.example with ATOMMQ_HOME in a path with a space', { timeout: 120_000 }, () => {
  const skip = whyUnavailable('apache2', 'root');
  it('loads, and answers through mod_cgi and mod_proxy_fcgi', { skip }, async () => {
    const parent = await mkdtemp(join(tmpdir(), 'atommq with space-'));
    await chmod(parent, 0o755);
    const home = join(parent, 'my atommq');
    await symlink(REPO_ROOT, home);
    try {
      const front = await startFrontEnd('apache', { home });
      try {
        for (const path of ['/cgi-bin/mycoolfeed', '/bus/feeds/spaced']) {
          const posted = await httpFetch(front.port, 'POST', path, { headers: ENTRY, body: '<entry><title>spaced</title></entry>' });
          assert.equal(posted.status, 201, `${path}: ${posted.body} ${await front.errorLog()}`);
        }
      } finally {
        await front.stop();
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
