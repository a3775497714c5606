import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import type { TestRequest, TestResponse } from '../support/http.js';
import { httpFetch } from '../support/http.js';
import { CLI, startServeHttp } from '../support/processes.js';
import { freePort, requireTool, whichCommand } from '../support/tools.js';
import { ALICE, BOB, ENTRY, ENTRY_HEADERS, basic, tempDir, writeAuthConfig, writeHtpasswd } from './fixtures.js';
import { startAuthLighttpd } from './lighttpd.js';

/**
 * AtomMQ's own HTTP Basic check, through real HTTP requests: `atommq serve --auth FILE` over
 * HTTP, and `atommq serve --fastcgi --auth FILE` behind lighttpd (no mod_auth there; lighttpd
 * passes the Authorization header on). alice's password is bcrypt at cost 10, bob's {SHA}.
 */
const CONFIG = {
  realm: 'AtomMQ test',
  htpasswd: 'users',
  groups: { publishers: ['alice'] },
  feeds: {
    orders: { read: ['*'], write: ['@publishers'] },
    private: { read: ['alice'], write: ['alice'] },
    '*': { read: ['@authenticated'], write: ['@authenticated'] },
  },
};
const CHALLENGE = 'Basic realm="AtomMQ test", charset="UTF-8"';
const ALICE_LOGIN = basic(ALICE.user, ALICE.password);
const BOB_LOGIN = basic(BOB.user, BOB.password);

interface Target {
  request(method: string, path: string, options?: TestRequest): Promise<TestResponse>;
  /** Everything the servers logged: atommq's stderr, and lighttpd's error log when it is in front. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** The tools a target needs; a test without them fails under CI and is skipped (saying why) locally. */
function hasTools(t: TestContext, tools: readonly string[]): boolean {
  return tools.every((tool) => requireTool(t, tool, tool === 'htpasswd' ? 'creates the password files' : 'runs AtomMQ as FastCGI'));
}

const targets: Array<[string, readonly string[], (config: string) => Promise<Target>]> = [
  ['atommq serve --auth (HTTP)', ['htpasswd'], async (config) => {
    const serve = await startServeHttp(['--dsn', `sqlite:${join(config, '..', 'bus.db')}`, '--auth', config]);
    return { request: (method, path, options) => httpFetch(serve.port, method, path, options), logs: async () => serve.stderr(), stop: serve.stop };
  }],
  ['atommq serve --fastcgi --auth behind lighttpd', ['htpasswd', 'lighttpd'], async (config) => {
    const lighttpd = await startAuthLighttpd({ serveArgs: ['--auth', config] });
    return {
      request: (method, path, options) => httpFetch(lighttpd.port, method, `/bus${path}`, options),
      logs: async () => `${lighttpd.serve.stderr()}\n${await lighttpd.errorLog()}`,
      stop: lighttpd.stop,
    };
  }],
];

for (const [name, tools, start] of targets) {
  describe(`built-in Basic: ${name}`, () => {
    let target: Target | undefined;
    let removeDir: (() => Promise<void>) | undefined;
    const bodies: string[] = [];
    const send = async (method: string, path: string, options: TestRequest = {}): Promise<TestResponse> => {
      if (target === undefined) throw new Error('the target did not start');
      const response = await target.request(method, path, options);
      bodies.push(JSON.stringify(response.headers), response.body);
      return response;
    };
    const publish = (feed: string, login: Record<string, string> = {}): Promise<TestResponse> =>
      send('POST', `/feeds/${feed}`, { headers: { ...ENTRY_HEADERS, ...login }, body: ENTRY });

    before(async () => {
      const dir = await tempDir();
      removeDir = dir.remove;
      if (!tools.every((tool) => whichCommand(tool) !== undefined)) return; // each test says why
      writeHtpasswd(join(dir.path, 'users'), [ALICE, BOB], 10);
      target = await start(await writeAuthConfig(dir.path, CONFIG));
    });
    after(async () => {
      await target?.stop();
      await removeDir?.();
    });

    it('answers an anonymous publish with 401 and the Basic challenge', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      const response = await publish('orders');
      assert.equal(response.status, 401);
      assert.equal(response.headers['www-authenticate'], CHALLENGE);
      assert.match(response.body, /needs authentication/);
    });

    it('answers wrong, unknown and malformed credentials with 401', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      for (const login of [basic('alice', 'Wrong-password-1'), basic('alice', BOB.password), basic('mallory', 'Mallory-pw-2'), { Authorization: 'Bearer abc' }, { Authorization: 'Basic !!' }]) {
        const response = await publish('orders', login);
        assert.equal(response.status, 401);
        assert.equal(response.headers['www-authenticate'], CHALLENGE);
      }
    });

    it('lets alice (bcrypt) publish where the rule names her group: 201', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      assert.equal((await publish('orders', ALICE_LOGIN)).status, 201);
      assert.equal((await publish('private', ALICE_LOGIN)).status, 201);
    });

    it('answers 403 when bob ({SHA}) is authenticated but may not publish, whatever the spelling of the feed', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      for (const feed of ['orders', 'ORDERS', 'Orders']) {
        const response = await publish(feed, BOB_LOGIN);
        assert.equal(response.status, 403, feed);
        assert.equal(response.headers['www-authenticate'], undefined);
      }
      assert.equal((await send('DELETE', '/feeds/orders/entries/1', { headers: BOB_LOGIN })).status, 403);
    });

    it('lets anyone read a feed whose rule says "*"', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      const response = await send('GET', '/feeds/orders');
      assert.equal(response.status, 200);
      assert.match(response.body, /auth test/);
      assert.equal((await send('GET', '/feeds/orders/entries/1')).status, 200);
    });

    it('applies the "*" rule to unnamed feeds: any authenticated user publishes and reads', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      assert.equal((await publish('misc', BOB_LOGIN)).status, 201);
      assert.equal((await send('GET', '/feeds/misc', { headers: ALICE_LOGIN })).status, 200);
      assert.equal((await send('GET', '/feeds/misc')).status, 401);
    });

    it('keeps a private feed private: anonymous 401, bob 403, alice 200', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      assert.equal((await send('GET', '/feeds/private')).status, 401);
      assert.equal((await send('GET', '/feeds/private', { headers: BOB_LOGIN })).status, 403);
      assert.equal((await send('GET', '/feeds/private/entries/1', { headers: BOB_LOGIN })).status, 403);
      assert.equal((await send('GET', '/feeds/private', { headers: ALICE_LOGIN })).status, 200);
    });

    it('lists in the service document only the feeds each user may read', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      const listed = async (login: Record<string, string>): Promise<string[]> => {
        const response = await send('GET', '/', { headers: login });
        assert.equal(response.status, 200);
        return [...response.body.matchAll(/<collection href="[^"]*\/feeds\/([^"?/]+)/g)].map((m) => m[1] ?? '').sort();
      };
      assert.deepEqual(await listed({}), ['orders']);
      assert.deepEqual(await listed(BOB_LOGIN), ['misc', 'orders']);
      assert.deepEqual(await listed(ALICE_LOGIN), ['misc', 'orders', 'private']);
    });

    it('takes no login from a client header named Remote-User', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      assert.equal((await publish('orders', { 'Remote-User': 'alice' })).status, 401);
    });

    it('refuses a body over the size limit with 401, not 413: the body is never read', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      const response = await send('POST', '/feeds/orders', { headers: ENTRY_HEADERS, body: new Uint8Array(1536 * 1024).fill(0x41) });
      assert.equal(response.status, 401);
    });

    it('keeps a polling consumer fast: a verified bcrypt login is cached', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      const started = process.hrtime.bigint();
      for (let i = 0; i < 20; i += 1) assert.equal((await send('GET', '/feeds/private', { headers: ALICE_LOGIN })).status, 200);
      const perRequestMs = Number(process.hrtime.bigint() - started) / 1e6 / 20;
      // bcrypt at cost 10 takes about 100 ms in bcryptjs; cached, a request takes a few ms.
      assert.ok(perRequestMs < 50, `a cached request took ${perRequestMs.toFixed(1)} ms`);
    });

    it('never writes a password into a log, a header or a body', async (t) => {
      if (!hasTools(t, tools) || target === undefined) return;
      const logs = await target.logs();
      for (const secret of [ALICE.password, BOB.password, 'Wrong-password-1', 'Mallory-pw-2']) {
        assert.ok(!logs.includes(secret), `a password is in the logs: ${secret}`);
        assert.ok(!bodies.some((text) => text.includes(secret)), `a password is in a response: ${secret}`);
        const encoded = Buffer.from(secret).toString('base64').slice(0, 12);
        assert.ok(!logs.includes(encoded) && !bodies.some((text) => text.includes(encoded)), 'an encoded password leaked');
      }
    });
  });
}

describe('atommq serve --auth with a bad config', () => {
  it('stops at start-up with the file and the reason', async () => {
    const dir = await tempDir();
    try {
      const config = await writeAuthConfig(dir.path, { feeds: { orders: { read: ['*'], wirte: ['alice'] } } });
      const port = String(await freePort());
      const dsn = `sqlite:${join(dir.path, 'bus.db')}`;
      const result = spawnSync(process.execPath, [CLI, 'serve', '--port', port, '--dsn', dsn, '--auth', config], { encoding: 'utf8', timeout: 10_000 });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /^atommq: auth config .*auth\.json: "feeds"."orders": unknown key "wirte"/m);
      const viaEnv = spawnSync(process.execPath, [CLI, 'serve', '--port', port, '--dsn', dsn], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, ATOMMQ_AUTH: join(dir.path, 'missing.json') } });
      assert.equal(viaEnv.status, 1);
      assert.match(viaEnv.stderr, /auth config .*missing\.json: ENOENT/);
    } finally {
      await dir.remove();
    }
  });
});
