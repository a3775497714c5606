import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hostileInputs } from '../../bench/hostile-inputs.js';
import { problemDetail } from '../support/atom.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';

/**
 * Issue 10's pathological inputs (each within 1 MiB): refused by a count limit with a 400, or
 * stored and answered within 4 × the request's bytes + 2 KB per entry. No wall-clock time is
 * asserted; `npm run bench` records the event-loop delay each causes (BENCHMARKS.md).
 */
describe('pathological inputs are refused by count or stored within the byte bound', () => {
  let t: TestApp;
  before(async () => { t = await startApp(); });
  after(async () => t.close());

  for (const input of hostileInputs()) {
    it(input.name, async () => {
      const bytes = Buffer.byteLength(input.body);
      assert.ok(bytes <= 1024 * 1024, `${bytes} bytes, within the 1 MiB body limit`);
      const response = await t.call('POST /feeds/patho', { headers: { 'Content-Type': 'application/atom+xml' }, body: input.body });
      if (response.status === 400) {
        assert.match(problemDetail(response.body), /more than \d+|deeper than|would exceed/);
        return;
      }
      assert.equal(response.status, 201, response.body.slice(0, 300));
      assert.ok(response.bytes.byteLength <= 4 * bytes + 2048 * input.entries, `answered ${response.bytes.byteLength} bytes for ${bytes}`);
    });
  }

  it('the examples that amplified before are refused', async () => {
    for (const input of hostileInputs().slice(0, 6)) {
      const response = await t.call('POST /feeds/patho', { headers: { 'Content-Type': 'application/atom+xml' }, body: input.body });
      assert.equal(response.status, 400, input.name);
    }
  });
});
