import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';
import { REPO_ROOT } from '../support/processes.js';
import { IS_CI, requireTool } from '../support/tools.js';
import { entryXml, parseClaim, pathOf } from './claims.js';

const run = promisify(execFile);
const SCHEMAS = [join(REPO_ROOT, '../shared/schemas'), join(REPO_ROOT, 'test/schemas')].find((dir) => existsSync(join(dir, 'atom.rnc')));

describe('claim and parked documents validate against the RFC 4287 RELAX NG schema (jing)', () => {
  let t: TestApp;
  before(async () => { t = await startApp(); });
  after(() => t.close());
  const validate = async (document: string): Promise<void> => {
    const file = join(t.dir, `doc-${Math.random().toString(36).slice(2)}.xml`);
    await writeFile(file, document);
    try {
      await run('jing', ['-c', join(SCHEMAS ?? '', 'atom.rnc'), file]);
    } catch (error) {
      assert.fail(`jing rejected the document: ${String(Reflect.get(Object(error), 'stdout'))}\n${document}`);
    }
  };

  it('a claim with a tombstone and entries, and a parked page', async (ctx) => {
    if (SCHEMAS === undefined) {
      if (IS_CI) throw new Error('the Atom RELAX NG schemas are missing');
      return ctx.skip('schemas not found');
    }
    if (!requireTool(ctx, 'jing', 'RELAX NG validation')) return;
    assert.equal((await t.call('POST /feeds/v', { body: entryXml('one') })).status, 201);
    assert.equal((await t.call('DELETE /feeds/v/entries/1')).status, 200);
    assert.equal((await t.call('POST /feeds/v', { body: entryXml('two') })).status, 201);
    assert.equal((await t.call('PUT /feeds/v/groups/g?start=1&max_deliveries=1')).status, 201);
    const claim = await t.call('POST /feeds/v/groups/g/claims?max=5');
    await validate(claim.body);
    const items = parseClaim(claim.body);
    assert.deepEqual(items.map((i) => [i.seq, i.isTombstone]), [[2, true], [3, false]], 'the tombstone carries its links too');
    for (const item of items) assert.equal((await t.call(`POST ${pathOf(item.nack)}`)).status, 204);
    const parked = await t.call('GET /feeds/v/groups/g/parked');
    await validate(parked.body);
    assert.equal(parseClaim(parked.body).length, 2);
  });
});
