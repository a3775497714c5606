import { after, before, describe, it } from 'node:test';
import { CASES } from './cases.js';
import type { Target } from '../support/targets.js';
import { NEEDS_LIGHTTPD, TARGET_NAMES, startTargets } from '../support/targets.js';
import { IS_CI, whichCommand } from '../support/tools.js';

/** Runs every conformance case through each of the six routes, on one SQLite database. */
const hasLighttpd = whichCommand('lighttpd') !== undefined;
if (!hasLighttpd && IS_CI) throw new Error('lighttpd is not installed, and CI=true: .ci/run must install it');
if (!hasLighttpd) process.stderr.write('# lighttpd not installed: the three lighttpd routes are skipped (CI installs it)\n');

for (const name of TARGET_NAMES) {
  const skip = NEEDS_LIGHTTPD.has(name) && !hasLighttpd ? 'lighttpd is not installed' : false;
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
