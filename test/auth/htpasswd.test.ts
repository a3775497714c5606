import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseHtpasswd } from '../../lib/auth/htpasswd.js';
import { loadAuthenticator } from '../../lib/auth/load.js';
import { verifyPassword } from '../../lib/auth/password.js';
import { requireTool } from '../support/tools.js';
import { ALICE, BOB, basic, tempDir, writeAuthConfig, writeHtpasswd } from './fixtures.js';

const envWith = (extra: Record<string, string>): Record<string, string> => ({ REQUEST_METHOD: 'GET', PATH_INFO: '/', ...extra });
const authorization = (user: string, password: string): string => basic(user, password)['Authorization'] ?? '';

describe('htpasswd files made by Debian htpasswd', () => {
  it('reads bcrypt (-B) and {SHA} (-s) entries and verifies them', async (t) => {
    if (!requireTool(t, 'htpasswd', 'creates the password files')) return;
    const dir = await tempDir();
    try {
      const file = join(dir.path, 'htpasswd');
      writeHtpasswd(file, [ALICE, BOB]);
      const users = parseHtpasswd(await readFile(file, 'utf8'));
      const alice = users.get('alice');
      const bob = users.get('bob');
      assert.equal(alice?.kind, 'bcrypt');
      assert.match(alice?.kind === 'bcrypt' ? alice.hash : '', /^\$2y\$05\$/);
      assert.equal(bob?.kind, 'sha1');
      assert.ok(alice !== undefined && bob !== undefined);
      assert.equal(await verifyPassword(alice, ALICE.password), true);
      assert.equal(await verifyPassword(alice, `${ALICE.password}x`), false);
      assert.equal(await verifyPassword(bob, BOB.password), true);
      assert.equal(await verifyPassword(bob, BOB.password.toUpperCase()), false);
    } finally {
      await dir.remove();
    }
  });

  it('verifies UTF-8 passwords as htpasswd hashed them', async (t) => {
    if (!requireTool(t, 'htpasswd', 'creates the password files')) return;
    const dir = await tempDir();
    try {
      const file = join(dir.path, 'htpasswd');
      writeHtpasswd(file, [{ user: 'zoe', password: 'pässwörd', format: 'bcrypt' }, { user: 'yann', password: 'crème', format: 'sha' }]);
      const users = parseHtpasswd(await readFile(file, 'utf8'));
      const zoe = users.get('zoe');
      const yann = users.get('yann');
      assert.ok(zoe !== undefined && yann !== undefined);
      assert.equal(await verifyPassword(zoe, 'pässwörd'), true);
      assert.equal(await verifyPassword(yann, 'crème'), true);
    } finally {
      await dir.remove();
    }
  });

  it('accepts $2a$ and $2b$ hashes, comments, blank lines and CRLF', () => {
    const hash = '$2y$05$BqjXsmX1RgDu7ykNSQhRgOl4CreGuj1Dlk.jAiUMh14r4PIstTQrq';
    const users = parseHtpasswd(`# users\r\n\r\na:${hash.replace('$2y$', '$2a$')}\r\nb:${hash.replace('$2y$', '$2b$')}\r\n`);
    assert.deepEqual([...users.keys()], ['a', 'b']);
  });

  for (const [flag, kind] of [['-m', /Apache MD5/], ['-d', /DES crypt/], ['-p', /plain-text/]] as const) {
    it(`refuses htpasswd ${flag} hashes at load time, naming the line and user but not the hash`, async (t) => {
      if (!requireTool(t, 'htpasswd', 'creates the password files')) return;
      const stored = execFileSync('htpasswd', ['-n', '-b', flag, 'carol', 'Carol-secret-55'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const text = `# first line\n${stored}\n`;
      assert.throws(() => parseHtpasswd(text), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /^line 2 \(user "carol"\): /);
        assert.match(error.message, kind);
        assert.match(error.message, /htpasswd -B/);
        assert.ok(!error.message.includes(stored.slice('carol:'.length)), 'the hash is not in the message');
        assert.ok(!error.message.includes('Carol-secret-55'));
        return true;
      });
    });
  }

  it('refuses a user listed twice and a line without a colon', () => {
    const entry = 'a:{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=';
    assert.throws(() => parseHtpasswd(`${entry}\n${entry}\n`), /line 2: user "a" is listed twice/);
    assert.throws(() => parseHtpasswd('just-a-name\n'), /line 1: expected "user:hash"/);
  });
});

describe('loadAuthenticator', () => {
  it('resolves htpasswd relative to the config, checks Basic, and trusts REMOTE_USER', async (t) => {
    if (!requireTool(t, 'htpasswd', 'creates the password files')) return;
    const dir = await tempDir();
    try {
      writeHtpasswd(join(dir.path, 'users'), [ALICE, BOB]);
      const auth = loadAuthenticator(await writeAuthConfig(dir.path, { htpasswd: 'users', realm: 'Bus', feeds: { '*': { read: ['*'] } } }));
      assert.equal(auth.basicRealm, 'Bus');
      assert.equal(await auth.authenticate(envWith({})), undefined);
      assert.deepEqual(await auth.authenticate(envWith({ HTTP_AUTHORIZATION: authorization('alice', ALICE.password) })), { user: 'alice', checkedBy: 'atommq', scheme: 'Basic' });
      assert.deepEqual(await auth.authenticate(envWith({ HTTP_AUTHORIZATION: authorization('bob', BOB.password) })), { user: 'bob', checkedBy: 'atommq', scheme: 'Basic' });
      assert.equal(await auth.authenticate(envWith({ HTTP_AUTHORIZATION: authorization('alice', BOB.password) })), 'invalid');
      assert.equal(await auth.authenticate(envWith({ HTTP_AUTHORIZATION: authorization('nobody', 'x') })), 'invalid');
      assert.equal(await auth.authenticate(envWith({ HTTP_AUTHORIZATION: 'Bearer token' })), 'invalid');
      // The web server authenticated the request: its user is trusted, and Authorization (which
      // lighttpd passes on too) is not checked again.
      assert.deepEqual(
        await auth.authenticate(envWith({ REMOTE_USER: 'carol', AUTH_TYPE: 'Digest', HTTP_AUTHORIZATION: authorization('carol', 'not-in-htpasswd') })),
        { user: 'carol', checkedBy: 'web-server', scheme: 'Digest' });
      // A client header named Remote-User arrives as HTTP_REMOTE_USER, and is no login.
      assert.equal(await auth.authenticate(envWith({ HTTP_REMOTE_USER: 'alice' })), undefined);
    } finally {
      await dir.remove();
    }
  });

  it('without an htpasswd file, only the web server authenticates: Authorization is ignored', async () => {
    const dir = await tempDir();
    try {
      const auth = loadAuthenticator(await writeAuthConfig(dir.path, { feeds: {} }));
      assert.equal(auth.basicRealm, undefined);
      assert.equal(await auth.authenticate(envWith({ HTTP_AUTHORIZATION: authorization('alice', 'x') })), undefined);
      assert.deepEqual(await auth.authenticate(envWith({ REMOTE_USER: 'alice', AUTH_TYPE: 'Basic' })), { user: 'alice', checkedBy: 'web-server', scheme: 'Basic' });
    } finally {
      await dir.remove();
    }
  });

  it('fails at start-up with the file and the reason', async () => {
    const dir = await tempDir();
    try {
      const missing = join(dir.path, 'missing.json');
      assert.throws(() => loadAuthenticator(missing), new RegExp(`^Error: auth config ${missing}: ENOENT`));
      const broken = join(dir.path, 'broken.json');
      await writeFile(broken, '{ "feeds": ');
      assert.throws(() => loadAuthenticator(broken), /auth config .*broken\.json: .*JSON/);
      const unknownKey = await writeAuthConfig(dir.path, { feeds: {}, users: {} });
      assert.throws(() => loadAuthenticator(unknownKey), /auth config .*auth\.json: unknown key "users"/);
      const noFile = await writeAuthConfig(dir.path, { feeds: {}, htpasswd: 'nope' });
      assert.throws(() => loadAuthenticator(noFile), /htpasswd file .*nope \(named by .*\): ENOENT/);
      await appendFile(join(dir.path, 'plain'), 'dave:Dave-secret-31\n');
      const plain = await writeAuthConfig(dir.path, { feeds: {}, htpasswd: 'plain' });
      assert.throws(() => loadAuthenticator(plain), (error: unknown) =>
        error instanceof Error && /htpasswd file .*plain .*line 1 \(user "dave"\): a plain-text/.test(error.message) && !error.message.includes('Dave-secret-31'));
      assert.throws(() => loadAuthenticator(''), /the path is empty/);
    } finally {
      await dir.remove();
    }
  });
});
