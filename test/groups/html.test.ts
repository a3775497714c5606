import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '../support/app.js';
import { startApp } from '../support/app.js';
import { entryXml } from './claims.js';

const BROWSER = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('the HTML view of a feed shows each consumer group with its lag', () => {
  let t: TestApp;
  before(async () => { t = await startApp(); });
  after(() => t.close());

  it('lists the groups with their lag, each linked to its status; nothing when there is none', async () => {
    assert.equal((await t.call('POST /feeds/shown', { body: entryXml('one') })).status, 201);
    assert.doesNotMatch((await t.call('GET /feeds/shown', { headers: BROWSER })).body, /Consumer groups/);
    assert.equal((await t.call('PUT /feeds/shown/groups/billing')).status, 201);
    assert.equal((await t.call('POST /feeds/shown', { body: entryXml('two') })).status, 201);
    assert.equal((await t.call('PUT /feeds/shown/groups/audit?start=end')).status, 201);
    const page = await t.call('GET /feeds/shown', { headers: BROWSER });
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.body, /<h2 id="groups-heading">Consumer groups<\/h2>/);
    assert.match(page.body, /<li><a href="http:\/\/localhost\/feeds\/shown\/groups\/audit">audit<\/a>: lag 0<\/li>/);
    assert.match(page.body, /<li><a href="http:\/\/localhost\/feeds\/shown\/groups\/billing">billing<\/a>: lag 2<\/li>/);
  });
});
