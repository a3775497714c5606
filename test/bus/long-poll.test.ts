import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEntry, parseFeed } from '../support/atom.js';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';
import { bodyOf, envFor } from '../support/env.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const atom = (title: string): string => `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title></entry>`;

describe('long polling (Prefer: wait=N, RFC 7240)', () => {
  let t: TestApp;
  before(async () => { t = await startApp({ maxWaitSeconds: 20 }); });
  after(async () => t.close());

  it('a waiting consumer receives the entry another client publishes', async () => {
    const first = await t.call('POST /feeds/lp', { headers: ENTRY, body: atom('before') });
    const etag = first.headers['etag'] ?? '';
    let isAnswered = false;
    const waiting = t.call('GET /feeds/lp', { headers: { 'If-None-Match': etag, Prefer: 'wait=20' } }).then((r) => { isAnswered = true; return r; });
    await t.call('GET /feeds/lp');
    assert.equal(isAnswered, false, 'the read waits while nothing is new');
    const posted = await t.call('POST /feeds/lp', { headers: ENTRY, body: atom('during') });
    const response = await waiting;
    assert.equal(response.status, 200);
    assert.equal(response.headers['preference-applied'], 'wait=20');
    assert.deepEqual(parseFeed(response.body).entries.map((e) => e.id), [parseEntry(posted.body).id]);
  });

  it('a wait that ends empty answers 304 for If-None-Match, an empty page otherwise; ?wait= works too', async () => {
    const posted = await t.call('POST /feeds/idle', { headers: ENTRY, body: atom('only') });
    const etag = posted.headers['etag'] ?? '';
    const notModified = await t.call('GET /feeds/idle', { headers: { 'If-None-Match': etag, Prefer: 'respond-async, wait=1' } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.headers['preference-applied'], 'wait=1');
    const empty = await t.call('GET /feeds/idle?wait=1', { headers: { Xlastid: '1' } });
    assert.equal(empty.status, 200);
    assert.equal(parseFeed(empty.body).entries.length, 0);
    assert.equal((await t.call('GET /feeds/idle?wait=soon')).status, 400);
  });

  it('a client that goes away releases its wait at once', async () => {
    await t.call('POST /feeds/gone', { headers: ENTRY, body: atom('x') });
    const controller = new AbortController();
    const { env, body } = envFor('GET /feeds/gone', { headers: { Xlastid: '1', Prefer: 'wait=20' } });
    const pending = t.app.handle(env, bodyOf(body), controller.signal);
    controller.abort();
    const response = await pending;
    assert.ok(response.status === 200 || response.status === 304);
  });
});
