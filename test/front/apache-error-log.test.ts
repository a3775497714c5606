import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { whyUnavailable } from '../support/front-end-check.js';
import { startFrontEnd } from '../support/front-ends.js';
import { httpFetch } from '../support/http.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

/**
 * mod_proxy_fcgi computes PATH_TRANSLATED for the PATH_INFO that proxy-fcgi-pathinfo gives
 * (ap_add_cgi_vars), through a subrequest for that path under the DocumentRoot. Under Debian's
 * `<Directory /> Require all denied`, every /bus request then logged "AH01630: client denied by
 * server configuration" at error level while it succeeded.
 */
describe('apache.conf.example: /bus requests leave the error log clean', { timeout: 120_000 }, () => {
  const skip = whyUnavailable('apache2', 'root');
  it('no "client denied" for a publish, a read and a health check through mod_proxy_fcgi', { skip }, async () => {
    const front = await startFrontEnd('apache');
    try {
      const posted = await httpFetch(front.port, 'POST', '/bus/feeds/quiet', { headers: ENTRY, body: '<entry><title>quiet</title></entry>' });
      assert.equal(posted.status, 201, posted.body);
      assert.equal((await httpFetch(front.port, 'GET', '/bus/feeds/quiet')).status, 200);
      assert.equal((await httpFetch(front.port, 'GET', '/bus/health')).status, 200);
      assert.equal((await httpFetch(front.port, 'GET', '/elsewhere')).status, 404, 'nothing but AtomMQ is served (the document root is empty)');
      assert.doesNotMatch(await front.errorLog(), /AH01630|client denied/);
    } finally {
      await front.stop();
    }
  });
});
