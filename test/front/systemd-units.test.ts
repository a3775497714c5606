import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/processes.js';

/** The value of `key=` in a unit file (the last one wins, as in systemd), or undefined. */
function unitSetting(file: string, key: string): string | undefined {
  const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n').filter((l) => l.startsWith(`${key}=`));
  return lines.at(-1)?.slice(key.length + 1).trim();
}

/** The first capture of `pattern` in an example file. */
function exampleValue(file: string, pattern: RegExp): string {
  const match = pattern.exec(readFileSync(join(REPO_ROOT, file), 'utf8'));
  assert.ok(match?.[1] !== undefined, `${file} has ${pattern}`);
  return match[1];
}

function isSameOrNested(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/*
 * The systemd units are not run here (no systemd as PID 1), so these check what systemd.exec(5)
 * would do with them next to the web-server examples an operator deploys beside them.
 */
describe('systemd/atommq.service next to the web-server examples', () => {
  it('keeps its database in a state directory of its own, apart from the one the examples give www-data', () => {
    const stateDirectory = unitSetting('systemd/atommq.service', 'StateDirectory');
    assert.ok(stateDirectory !== undefined);
    const state = `/var/lib/${stateDirectory}`;
    // systemd.exec(5): with DynamicUser=yes, an existing /var/lib/NAME is moved under
    // /var/lib/private (mode 0700) and chowned, recursively, to the dynamic user, which would
    // take the CGI scripts' database and htdocs away from www-data.
    assert.equal(unitSetting('systemd/atommq.service', 'DynamicUser'), 'yes');
    const apache = exampleValue('apache.conf.example', /^Define ATOMMQ_STATE\s+(\S+)$/m);
    const lighttpd = exampleValue('lighttpd.conf.example', /^var\.atommq_state\s*=\s*"([^"]+)"/m);
    for (const [example, dir] of [['apache.conf.example', apache], ['lighttpd.conf.example', lighttpd]] as const) {
      assert.ok(!isSameOrNested(state, dir), `StateDirectory=${stateDirectory} (${state}) is ${example}'s www-data state directory ${dir}`);
    }
    const dsn = /^ATOMMQ_DSN=sqlite:(.+)$/.exec(unitSetting('systemd/atommq.service', 'Environment') ?? '');
    assert.ok(dsn?.[1]?.startsWith(`${state}/`), `the service's database lives in ${state}`);
    assert.equal(unitSetting('systemd/atommq.service', 'ReadWritePaths'), state);
  });
});
