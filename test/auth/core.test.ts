import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Authenticator, Identity } from '../../lib/auth/identity.js';
import type { CgiEnv } from '../../lib/core/env.js';
import { hasBody } from '../../lib/core/response.js';
import { startApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { envFor } from '../support/env.js';
import { ENTRY, ENTRY_HEADERS } from './fixtures.js';

/**
 * A plain-object Authenticator: the header `X-Test-User` names the user, `X-Test-User: !` is a
 * failed login. alice may write "orders"; everyone may read it; only authenticated users read
 * other feeds, and alice writes them.
 */
const AUTH: Authenticator = {
  basicRealm: 'Test realm',
  async authenticate(env: CgiEnv) {
    const user = env['HTTP_X_TEST_USER'];
    if (user === '!') return 'invalid';
    return user === undefined ? undefined : { user, checkedBy: 'atommq', scheme: 'Basic' };
  },
  isAllowed(identity: Identity | undefined, feed: string, action) {
    if (feed.toLowerCase() === 'orders' && action === 'read') return true;
    return identity !== undefined && (action === 'read' || identity.user === 'alice');
  },
};

const as = (user: string | undefined): Record<string, string> => (user === undefined ? {} : { 'X-Test-User': user });

describe('the core with an Authenticator in Deps', () => {
  let app: TestApp;
  before(async () => {
    app = await startApp({ auth: AUTH });
    for (const feed of ['orders', 'private']) {
      assert.equal((await app.call(`POST /feeds/${feed}`, { headers: { ...ENTRY_HEADERS, ...as('alice') }, body: ENTRY })).status, 201);
    }
  });
  after(() => app.close());

  it('answers 401 with a Basic challenge to an anonymous write', async () => {
    const response = await app.call('POST /feeds/orders', { headers: ENTRY_HEADERS, body: ENTRY });
    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], 'Basic realm="Test realm", charset="UTF-8"');
    assert.equal(response.headers['cache-control'], 'no-store');
  });

  it('answers 401 to a failed login even where anonymous reads are allowed', async () => {
    assert.equal((await app.call('GET /feeds/orders', { headers: as('!') })).status, 401);
  });

  it('answers 403 to an authenticated user who may not write, for POST, PUT and DELETE', async () => {
    assert.equal((await app.call('POST /feeds/orders', { headers: { ...ENTRY_HEADERS, ...as('bob') }, body: ENTRY })).status, 403);
    assert.equal((await app.call('PUT /feeds/orders/entries/1', { headers: { ...ENTRY_HEADERS, ...as('bob') }, body: ENTRY })).status, 403);
    assert.equal((await app.call('DELETE /feeds/orders/entries/1', { headers: as('bob') })).status, 403);
  });

  it('checks before the body is read: a refused request never touches its body', async () => {
    const { env } = envFor('POST /feeds/orders', { headers: ENTRY_HEADERS, body: ENTRY });
    let isRead = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      isRead = true;
      yield new TextEncoder().encode(ENTRY);
    }
    const response = await app.app.handle(env, body());
    assert.equal(response.status, 401);
    assert.equal(isRead, false);
  });

  it('lets anyone read a feed whose rule allows it, HEAD included', async () => {
    assert.equal((await app.call('GET /feeds/orders')).status, 200);
    assert.equal((await app.call('HEAD /feeds/orders')).status, 200);
    assert.equal((await app.call('GET /feeds/orders/entries/1')).status, 200);
  });

  it('guards every read of a closed feed: feed, member, archive and media', async () => {
    for (const path of ['/feeds/private', '/feeds/private/entries/1', '/feeds/private/archive/1', '/feeds/private/media/1']) {
      const response = await app.call(`GET ${path}`);
      assert.equal(response.status, 401, path);
    }
    assert.equal((await app.call('GET /feeds/private', { headers: as('bob') })).status, 200);
  });

  it('does not tell an anonymous client whether a closed feed exists (401, not 404)', async () => {
    assert.equal((await app.call('GET /feeds/no-such-feed')).status, 401);
    assert.equal((await app.call('GET /feeds/no-such-feed', { headers: as('bob') })).status, 404);
  });

  it('lists in the service document only the feeds the user may read', async () => {
    const anonymous = await app.call('GET /');
    assert.equal(anonymous.status, 200);
    assert.match(anonymous.body, /feeds\/orders/);
    assert.doesNotMatch(anonymous.body, /feeds\/private/);
    const bob = await app.call('GET /', { headers: as('bob') });
    assert.match(bob.body, /feeds\/orders/);
    assert.match(bob.body, /feeds\/private/);
  });

  it('keeps 404 and 405 ahead of authentication: they reveal nothing about feeds', async () => {
    assert.equal((await app.call('GET /nothing-here')).status, 404);
    assert.equal((await app.call('PATCH /feeds/orders')).status, 405);
  });
});

describe('the service document when an anonymous client may read nothing', () => {
  it('challenges (401), so clients that log in only when asked find their feeds', async () => {
    const app = await startApp({ auth: { ...AUTH, isAllowed: (identity) => identity !== undefined } });
    try {
      assert.equal((await app.call('GET /')).status, 200, 'no feeds yet: nothing to hide');
      await app.call('POST /feeds/a', { headers: { ...ENTRY_HEADERS, ...as('alice') }, body: ENTRY });
      const response = await app.call('GET /');
      assert.equal(response.status, 401);
      assert.ok(response.headers['www-authenticate']?.startsWith('Basic '));
    } finally {
      await app.close();
    }
  });
});

describe('single-feed mode', () => {
  it('applies the feed\'s read rule to its service document', async () => {
    const app = await startApp({ feed: 'MyCoolFeed', auth: AUTH });
    try {
      assert.equal((await app.call('GET /service')).status, 401);
      assert.equal((await app.call('GET /service', { headers: as('bob') })).status, 200);
      assert.equal((await app.call('POST /', { headers: { ...ENTRY_HEADERS, ...as('bob') }, body: ENTRY })).status, 403);
      assert.equal((await app.call('POST /', { headers: { ...ENTRY_HEADERS, ...as('alice') }, body: ENTRY })).status, 201);
    } finally {
      await app.close();
    }
  });
});

describe('when only the web server authenticates (no Basic realm)', () => {
  it('refuses an anonymous request with 403: a 401 must carry a challenge no one would check', async () => {
    const app = await startApp({ auth: { ...AUTH, basicRealm: undefined } });
    try {
      const response = await app.app.handle(envFor('POST /feeds/orders', { headers: ENTRY_HEADERS, body: ENTRY }).env, (async function* () { /* empty */ })());
      assert.equal(response.status, 403);
      assert.equal(response.headers.some(([name]) => name.toLowerCase() === 'www-authenticate'), false);
      assert.ok(hasBody(response));
    } finally {
      await app.close();
    }
  });
});

describe('without an Authenticator', () => {
  it('everything stays open, as before', async () => {
    const app = await startApp();
    try {
      assert.equal((await app.call('POST /feeds/x', { headers: ENTRY_HEADERS, body: ENTRY })).status, 201);
      assert.equal((await app.call('GET /feeds/x')).status, 200);
    } finally {
      await app.close();
    }
  });
});
