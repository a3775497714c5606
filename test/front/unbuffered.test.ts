import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

describe('X-Accel-Buffering: no on long-poll answers', () => {
  let t: TestApp;
  before(async () => { t = await startApp(); });
  after(async () => t.close());

  it('is sent when the read may wait, and only then', async () => {
    const posted = await t.call('POST /feeds/nb', { headers: ENTRY, body: '<entry><title>x</title></entry>' });
    const waited = await t.call('GET /feeds/nb?wait=1', { headers: { 'If-None-Match': posted.headers['etag'] ?? '' } });
    assert.equal(waited.status, 304);
    assert.equal(waited.headers['x-accel-buffering'], 'no');
    const plain = await t.call('GET /feeds/nb');
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['x-accel-buffering'], undefined);
  });
});
