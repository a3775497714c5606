import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Authenticator, Identity } from '../../lib/auth/identity.js';
import type { CgiEnv } from '../../lib/core/env.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';
import { entryXml, parseClaim, pathOf } from './claims.js';

/** `X-Test-User` names the user; alice may write "jobs", bob may only read it, anonymous nothing. */
const AUTH: Authenticator = {
  basicRealm: 'Test realm',
  async authenticate(env: CgiEnv) {
    const user = env['HTTP_X_TEST_USER'];
    return user === undefined ? undefined : { user, checkedBy: 'atommq', scheme: 'Basic' };
  },
  isAllowed(identity: Identity | undefined, _feed: string, action) {
    if (identity === undefined) return false;
    return action === 'read' || identity.user === 'alice';
  },
};
const as = (user: string): { headers: Record<string, string> } => ({ headers: { 'X-Test-User': user } });

describe('consumer groups and access rules', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ auth: AUTH });
    assert.equal((await t.call('POST /feeds/jobs', { ...as('alice'), body: entryXml('j1') })).status, 201);
  });
  after(() => t.close());

  it('creating and deleting a group need write access', async () => {
    assert.equal((await t.call('PUT /feeds/jobs/groups/g', as('bob'))).status, 403);
    assert.equal((await t.call('PUT /feeds/jobs/groups/g')).status, 401);
    assert.equal((await t.call('PUT /feeds/jobs/groups/g', as('alice'))).status, 201);
    assert.equal((await t.call('DELETE /feeds/jobs/groups/g', as('bob'))).status, 403);
  });

  it('claiming, acking, nacking, status, the parked list and replay need read access only', async () => {
    assert.equal((await t.call('POST /feeds/jobs/groups/g/claims')).status, 401);
    assert.equal((await t.call('GET /feeds/jobs/groups/g')).status, 401);
    const claimed = await t.call('POST /feeds/jobs/groups/g/claims', as('bob'));
    assert.equal(claimed.status, 200);
    const [item] = parseClaim(claimed.body);
    assert.equal((await t.call(`POST ${pathOf(item?.nack ?? '')}`)).status, 401);
    assert.equal((await t.call(`POST ${pathOf(item?.nack ?? '')}`, as('bob'))).status, 204);
    const again = parseClaim((await t.call('POST /feeds/jobs/groups/g/claims', as('bob'))).body);
    assert.equal((await t.call(`POST ${pathOf(again[0]?.ack ?? '')}`, as('bob'))).status, 204);
    for (const path of ['GET /feeds/jobs/groups/g', 'GET /feeds/jobs/groups', 'GET /feeds/jobs/groups/g/parked', 'POST /feeds/jobs/groups/g/parked/replay']) {
      assert.equal((await t.call(path, as('bob'))).status, 200, path);
    }
  });
});
