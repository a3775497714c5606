import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Authenticator } from '../../lib/auth/identity.js';
import { headerValue, isStreaming } from '../../lib/core/response.js';
import type { CoreResponse } from '../../lib/core/response.js';
import { AtomMQ } from '../../lib/index.js';
import { bodyOf, envFor } from '../support/env.js';

/** The event stream and the HTML view obey the same read rules as the Atom feed. */
const AUTH: Authenticator = {
  basicRealm: 'Test realm',
  async authenticate(env) {
    const user = env['HTTP_X_TEST_USER'];
    return user === undefined ? undefined : { user, checkedBy: 'atommq', scheme: 'Basic' };
  },
  isAllowed: (identity) => identity !== undefined,
};

let dir = '';
let app: AtomMQ;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atommq-sse-auth-'));
  app = new AtomMQ({ dsn: `sqlite:${join(dir, 'bus.db')}`, auth: AUTH });
});
after(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

function call(line: string, headers: Record<string, string>, signal?: AbortSignal, body?: string): Promise<CoreResponse> {
  const request = envFor(line, { headers, ...(body === undefined ? {} : { body }) });
  return app.handle(request.env, bodyOf(request.body), signal);
}

it('a stream or a page of a protected feed needs the same credentials as a GET', async () => {
  assert.equal((await call('POST /feeds/private', { 'X-Test-User': 'alice' }, undefined, '<entry><title>secret</title></entry>')).status, 201);
  for (const accept of ['text/event-stream', 'text/html']) {
    const refused = await call('GET /feeds/private', { Accept: accept });
    assert.equal(refused.status, 401, accept);
    assert.match(headerValue(refused.headers, 'WWW-Authenticate') ?? '', /^Basic/);
  }
  const controller = new AbortController();
  const stream = await call('GET /feeds/private', { Accept: 'text/event-stream', 'X-Test-User': 'alice' }, controller.signal);
  assert.ok(isStreaming(stream));
  controller.abort();
  assert.equal((await call('GET /feeds/private', { Accept: 'text/html', 'X-Test-User': 'alice' })).status, 200);
});
