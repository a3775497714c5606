import { after, before, describe, it } from 'node:test';
import { CASES } from './cases.js';
import type { Target } from '../support/targets.js';
import { TARGET_NAMES, WEB_SERVER_OF, startTargets } from '../support/targets.js';
import { whyUnavailable } from '../support/front-end-check.js';

/**
 * Runs every conformance case through each route: in-process, spawned CGI, lighttpd (three
 * ways), `atommq serve` over HTTP, Apache (mod_cgi, mod_fcgid, mod_proxy_fcgi) and nginx.
 */
/** ATOMMQ_TEST_TARGETS=nginx,apache-cgi runs only those routes (for a quick local run). */
const only = process.env['ATOMMQ_TEST_TARGETS']?.split(',');

for (const name of TARGET_NAMES.filter((n) => only === undefined || only.includes(n))) {
  const server = WEB_SERVER_OF[name];
  const skip = server === undefined ? false : whyUnavailable(server, name.startsWith('lighttpd') || name === 'serve-fastcgi' ? 'any' : 'root');
  describe(`conformance through ${name}`, { skip }, () => {
    let target: Target | undefined;
    let close: (() => Promise<void>) | undefined;
    before(async () => {
      const started = await startTargets([name]);
      target = started.targets[0];
      close = started.close;
    });
    after(async () => close?.());
    for (const testCase of CASES) {
      it(testCase.name, async () => {
        if (target === undefined) throw new Error('target did not start');
        await testCase.run(target);
      });
    }
  });
}
