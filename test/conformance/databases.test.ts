import { after, before, describe, it } from 'node:test';
import { CASES } from './cases.js';
import type { TestDatabase } from '../support/databases.js';
import { DIALECTS, createTestDatabase } from '../support/databases.js';
import type { Target } from '../support/targets.js';
import { startTargets } from '../support/targets.js';

/**
 * The conformance cases against PostgreSQL and MariaDB, through a real adapter (`atommq serve`
 * over HTTP). SQLite runs them through all six routes in conformance.test.ts.
 */
for (const dialect of DIALECTS.filter((d) => d !== 'sqlite')) {
  const db = await createTestDatabase(dialect);
  describe(`conformance through serve-http on ${dialect}`, { skip: 'skip' in db ? db.skip : false }, () => {
    let target: Target | undefined;
    let close: (() => Promise<void>) | undefined;
    before(async () => {
      const started = await startTargets(['serve-http'], (db as TestDatabase).dsn);
      target = started.targets[0];
      close = started.close;
    });
    after(async () => {
      await close?.();
      await (db as TestDatabase).dispose();
    });
    for (const testCase of CASES) {
      it(testCase.name, async () => {
        if (target === undefined) throw new Error('target did not start');
        await testCase.run(target);
      });
    }
  });
}
