import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { whyUnavailable } from '../support/front-end-check.js';
import type { FrontEnd } from '../support/front-ends.js';
import { startFrontEnd } from '../support/front-ends.js';
import { httpFetch } from '../support/http.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

/**
 * Behind nginx, links carry the port the client asked for (its Host header), which is not
 * always the port nginx listens on: a container's published port, a NAT or a load balancer
 * forwards 8443 to nginx's 8080. Apache passes Host with its port; the nginx example must too.
 */
describe('nginx.conf.example: the port in links is the client\'s', { timeout: 120_000 }, () => {
  const skip = whyUnavailable('nginx', 'root');
  let front: FrontEnd;
  before(async () => { if (skip === false) front = await startFrontEnd('nginx'); });
  after(async () => front?.stop());

  it('a Host with another port than nginx\'s gets links to that port', { skip }, async () => {
    const posted = await httpFetch(front.port, 'POST', '/bus/feeds/ports', { headers: { ...ENTRY, Host: 'bus.example:8443' }, body: '<entry><title>forwarded</title></entry>' });
    assert.equal(posted.status, 201, posted.body);
    assert.equal(posted.headers['location'], 'http://bus.example:8443/bus/feeds/ports/entries/1');
  });

  it('a Host without a port (the scheme\'s default) gets links without one', { skip }, async () => {
    const feed = await httpFetch(front.port, 'GET', '/bus/feeds/ports', { headers: { Host: 'bus.example' } });
    assert.equal(feed.status, 200, feed.body);
    assert.match(feed.body, /<link rel="self" href="http:\/\/bus\.example\/bus\/feeds\/ports"\/>/);
  });

  it('a client that names nginx\'s own port keeps it', { skip }, async () => {
    const feed = await httpFetch(front.port, 'GET', '/bus/feeds/ports');
    assert.match(feed.body, new RegExp(`<link rel="self" href="http://127\\.0\\.0\\.1:${front.port}/bus/feeds/ports"/>`));
  });
});
