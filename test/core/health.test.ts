import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AtomMQ } from '../../lib/index.js';
import type { Authenticator } from '../../lib/index.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';
import { bodyOf, envFor } from '../support/env.js';

/** Refuses everyone everything, with a Basic challenge: health must stay open anyway. */
const CLOSED: Authenticator = { basicRealm: 'AtomMQ', authenticate: async () => undefined, isAllowed: () => false };

describe('GET {base}/health', () => {
  let t: TestApp;
  before(async () => { t = await startApp({ auth: CLOSED }); });
  after(async () => t.close());

  it('is 200 and never cached when the database answers, even with every feed closed', async () => {
    assert.equal((await t.call('GET /feeds/x')).status, 401, 'auth is really on');
    const ok = await t.call('GET /health');
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.body, 'ok\n');
    assert.equal(ok.headers['cache-control'], 'no-store');
    const head = await t.call('HEAD /health');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal((await t.call('POST /health', { body: 'x' })).status, 405);
  });

  it('lives under the script name in single-feed mode too', async () => {
    const single = await startApp({ feed: 'MyCoolFeed' });
    try {
      assert.equal((await single.call('GET /health', { scriptName: '/cgi-bin/mycoolfeed' })).status, 200);
    } finally {
      await single.close();
    }
  });

  it('is 503 with Retry-After, and no-store, when the database does not answer', async () => {
    const logged: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    const app = new AtomMQ({ dsn: 'postgres://atommq@127.0.0.1:1/nowhere' });
    process.stderr.write = (chunk: string | Uint8Array): boolean => { logged.push(String(chunk)); return true; };
    try {
      const { env, body } = envFor('GET /health');
      const response = await app.handle(env, bodyOf(body));
      assert.equal(response.status, 503);
      const headers = new Map(response.headers.map(([k, v]) => [k.toLowerCase(), v]));
      assert.equal(headers.get('retry-after'), '1');
      assert.equal(headers.get('cache-control'), 'no-store');
    } finally {
      process.stderr.write = original;
      await app.close();
    }
    assert.match(logged.join(''), /GET \/health/, 'the fault is logged');
  });
});
