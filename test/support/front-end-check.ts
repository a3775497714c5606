import { existsSync } from 'node:fs';
import { isRoot } from './service-user.js';
import { IS_CI, whichCommand } from './tools.js';

/** Debian's mod_fcgid, which apache.conf.example's second block needs. */
const MOD_FCGID = '/usr/lib/apache2/modules/mod_fcgid.so';

/**
 * Why tests that need `command` (a web server) cannot run here, or false when they can. Apache
 * and nginx tests also need root (`needs: 'root'`): they start workers as www-data and AtomMQ as
 * its own user. Under CI=true a missing server throws, so the run fails instead of skipping;
 * locally the reason is printed and the tests are skipped.
 */
export function whyUnavailable(command: string, needs: 'any' | 'root'): string | false {
  let reason: string | undefined;
  if (whichCommand(command) === undefined) reason = `${command} is not installed (.ci/run installs it)`;
  else if (command === 'apache2' && !existsSync(MOD_FCGID)) reason = `${MOD_FCGID} is missing: libapache2-mod-fcgid is not installed (.ci/run installs it)`;
  else if (needs === 'root' && !isRoot()) reason = `${command} tests start workers as www-data, which needs root`;
  if (reason === undefined) return false;
  if (IS_CI) throw new Error(`${reason}, and CI=true`);
  process.stderr.write(`# skipped: ${reason}\n`);
  return reason;
}
