import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import { runCgi } from '../support/cgi.js';
import { envFor } from '../support/env.js';
import type { TestRequest, TestResponse } from '../support/http.js';
import { httpFetch } from '../support/http.js';
import { requireTool, whichCommand } from '../support/tools.js';
import type { TestUser } from './fixtures.js';
import { ALICE, BOB, ENTRY, ENTRY_HEADERS, basic, tempDir, writeAuthConfig, writeHtpasswd } from './fixtures.js';
import type { AuthLighttpd } from './lighttpd.js';
import { startAuthLighttpd } from './lighttpd.js';

/** The rules of the cgi-bin script's one feed: any authenticated user reads, only alice publishes. */
const SCRIPT_RULES = { feeds: { MyCoolFeed: { read: ['@authenticated'], write: ['alice'] } } };
const LIGHTTPD_REALM = 'lighttpd realm';

function hasTools(t: TestContext, tools: readonly string[]): boolean {
  return tools.every((tool) => requireTool(t, tool, tool === 'htpasswd' ? 'creates the password files' : 'authenticates in front of AtomMQ'));
}

/**
 * lighttpd authenticates (mod_auth + mod_authn_file, bcrypt and {SHA} in its htpasswd) in front
 * of the CGI script, the FastCGI script it spawns, and `atommq serve --fastcgi`. AtomMQ checks no
 * password there: it takes REMOTE_USER and applies the per-feed rules.
 */
describe('lighttpd mod_auth in front of AtomMQ', () => {
  const tools = ['htpasswd', 'lighttpd'];
  let lighttpd: AuthLighttpd | undefined;
  let removeDir: (() => Promise<void>) | undefined;
  const bodies: string[] = [];

  before(async () => {
    if (!tools.every((tool) => whichCommand(tool) !== undefined)) return; // each test says why
    const dir = await tempDir();
    removeDir = dir.remove;
    writeHtpasswd(join(dir.path, 'lighttpd.htpasswd'), [ALICE, BOB]);
    // `atommq serve --fastcgi` has an htpasswd of its own, where alice's password differs from
    // lighttpd's. Her requests succeed only if AtomMQ trusts REMOTE_USER and does not check the
    // Authorization header (which lighttpd passes on) again.
    const own: TestUser = { user: 'alice', password: 'Alice-atommq-only-77', format: 'bcrypt' };
    writeHtpasswd(join(dir.path, 'atommq.htpasswd'), [own]);
    const serveConfig = await writeAuthConfig(dir.path, { htpasswd: 'atommq.htpasswd', feeds: { '*': { read: ['@authenticated'], write: ['alice'] } } }, 'serve.json');
    lighttpd = await startAuthLighttpd({
      scriptAuth: await writeAuthConfig(dir.path, SCRIPT_RULES, 'script.json'),
      serveArgs: ['--auth', serveConfig],
      modAuth: { userfile: join(dir.path, 'lighttpd.htpasswd'), realm: LIGHTTPD_REALM, prefixes: ['/cgi-bin/', '/fcgi/', '/bus/'] },
    });
  });
  after(async () => {
    await lighttpd?.stop();
    await removeDir?.();
  });

  const send = async (method: string, path: string, options: TestRequest = {}): Promise<TestResponse> => {
    if (lighttpd === undefined) throw new Error('lighttpd did not start');
    const response = await httpFetch(lighttpd.port, method, path, options);
    bodies.push(JSON.stringify(response.headers), response.body);
    return response;
  };

  const routes: Array<[string, string]> = [
    ['CGI (mod_cgi)', '/cgi-bin/mycoolfeed'],
    ['FastCGI spawned by lighttpd (bin-path)', '/fcgi/mycoolfeed'],
    ['atommq serve --fastcgi', '/bus/feeds/orders'],
  ];
  for (const [name, feed] of routes) {
    describe(name, () => {
      it('lighttpd itself refuses a request without credentials, or with wrong ones (401)', async (t) => {
        if (!hasTools(t, tools)) return;
        for (const login of [{}, basic('bob', 'Wrong-password-3')]) {
          const response = await send('GET', feed, { headers: login });
          assert.equal(response.status, 401);
          assert.match(response.headers['www-authenticate'] ?? '', new RegExp(`^Basic realm="${LIGHTTPD_REALM}"`));
        }
      });

      it('lets alice publish: REMOTE_USER reached AtomMQ (201)', async (t) => {
        if (!hasTools(t, tools)) return;
        const response = await send('POST', feed, { headers: { ...ENTRY_HEADERS, ...basic(ALICE.user, ALICE.password) }, body: ENTRY });
        assert.equal(response.status, 201, response.body);
      });

      it('forbids bob to publish: the rule, not the web server, says no (403)', async (t) => {
        if (!hasTools(t, tools)) return;
        const response = await send('POST', feed, { headers: { ...ENTRY_HEADERS, ...basic(BOB.user, BOB.password) }, body: ENTRY });
        assert.equal(response.status, 403);
        assert.match(response.body, /you may not publish/);
        assert.equal(response.headers['www-authenticate'], undefined);
      });

      it('lets bob read, as any authenticated user may (200)', async (t) => {
        if (!hasTools(t, tools)) return;
        const response = await send('GET', feed, { headers: basic(BOB.user, BOB.password) });
        assert.equal(response.status, 200);
        assert.match(response.body, /auth test/);
      });
    });
  }

  it('writes no password into lighttpd\'s error log (the scripts\' stderr), atommq\'s stderr or a response', async (t) => {
    if (!hasTools(t, tools) || lighttpd === undefined) return;
    const logs = `${await lighttpd.errorLog()}\n${lighttpd.serve.stderr()}`;
    for (const secret of [ALICE.password, BOB.password, 'Wrong-password-3']) {
      assert.ok(!logs.includes(secret), `a password is in the logs: ${secret}`);
      assert.ok(!bodies.some((text) => text.includes(secret)), `a password is in a response: ${secret}`);
    }
  });
});

/** The CGI script spawned directly, as any web server (Apache's mod_cgi too) runs it. */
describe('cgi-bin/mycoolfeed spawned with a CGI env', () => {
  let dir: { readonly path: string; remove(): Promise<void> } | undefined;
  let extraEnv: Record<string, string> = {};
  before(async () => {
    dir = await tempDir();
    extraEnv = { ATOMMQ_DSN: `sqlite:${join(dir.path, 'cgi.db')}`, ATOMMQ_AUTH: await writeAuthConfig(dir.path, SCRIPT_RULES) };
  });
  after(() => dir?.remove());

  const cgi = (method: string, env: Record<string, string>, headers: Record<string, string> = {}, more: Record<string, string> = extraEnv): ReturnType<typeof runCgi> => {
    const request = envFor(`${method} /`, { scriptName: '/cgi-bin/mycoolfeed', headers: { ...ENTRY_HEADERS, ...headers }, ...(method === 'POST' ? { body: ENTRY } : {}) });
    return runCgi({ ...request.env, ...env }, request.body, more);
  };

  it('honours REMOTE_USER and AUTH_TYPE from the web server', async () => {
    assert.equal((await cgi('POST', { REMOTE_USER: 'alice', AUTH_TYPE: 'Basic' })).status, 201);
    assert.equal((await cgi('POST', { REMOTE_USER: 'bob', AUTH_TYPE: 'Digest' })).status, 403);
    assert.equal((await cgi('GET', { REMOTE_USER: 'bob', AUTH_TYPE: 'Basic' })).status, 200);
  });

  it('refuses an unauthenticated request with 403 when it checks no passwords itself', async () => {
    const response = await cgi('POST', {}, basic('alice', 'anything'));
    assert.equal(response.status, 403);
    assert.equal(response.headers['www-authenticate'], undefined);
  });

  it('checks Basic itself when the config names an htpasswd file', async (t) => {
    if (!requireTool(t, 'htpasswd', 'creates the password files') || dir === undefined) return;
    writeHtpasswd(join(dir.path, 'users'), [ALICE, BOB]);
    const more = { ...extraEnv, ATOMMQ_AUTH: await writeAuthConfig(dir.path, { ...SCRIPT_RULES, htpasswd: 'users' }, 'basic.json') };
    const wrong = await cgi('POST', {}, basic('alice', 'Wrong-password-4'), more);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Basic realm="AtomMQ", charset="UTF-8"');
    assert.equal((await cgi('POST', {}, basic(BOB.user, BOB.password), more)).status, 403);
    const ok = await cgi('POST', {}, basic(ALICE.user, ALICE.password), more);
    assert.equal(ok.status, 201);
    for (const secret of [ALICE.password, BOB.password, 'Wrong-password-4']) {
      assert.ok(![wrong.stderr, wrong.body, ok.stderr, ok.body].some((text) => text.includes(secret)));
    }
  });

  it('fails at start-up on a bad config, naming the file and the fault in stderr', async () => {
    if (dir === undefined) return;
    const bad = await writeAuthConfig(dir.path, { feeds: {}, realm: 'a"b' }, 'bad.json');
    await assert.rejects(cgi('GET', {}, {}, { ...extraEnv, ATOMMQ_AUTH: bad }), /CGI script exited with 1: [\s\S]*auth config .*bad\.json: "realm"/);
  });
});
