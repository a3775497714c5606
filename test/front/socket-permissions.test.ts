import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { whyUnavailable } from '../support/front-end-check.js';
import { startFrontEnd } from '../support/front-ends.js';
import { httpFetch } from '../support/http.js';
import { CLI } from '../support/processes.js';
import { SERVICE_USER, WEB_USER, asUser, ensureServiceUser, giveDirectory, isRoot, userIds } from '../support/service-user.js';

/** `atommq serve --fastcgi PATH` as the service user (nginx's workers run as www-data). */
describe('the FastCGI socket: --socket-mode and --socket-group', { timeout: 120_000 }, () => {
  const skip = whyUnavailable('nginx', 'root');

  it('--socket-mode 0660 --socket-group www-data lets nginx as www-data connect', { skip }, async () => {
    const front = await startFrontEnd('nginx', { serveArgs: ['--socket-mode', '0660', '--socket-group', WEB_USER] });
    try {
      const socket = await stat(front.socketPath);
      assert.equal(socket.mode & 0o777, 0o660);
      assert.equal(socket.gid, userIds(WEB_USER)?.gid);
      assert.equal(socket.uid, userIds(SERVICE_USER)?.uid, 'AtomMQ runs as its own user');
      const health = await httpFetch(front.port, 'GET', '/bus/health');
      assert.equal(health.status, 200, `${health.body} ${await front.errorLog()}`);
      assert.equal(health.headers['cache-control'], 'no-store');
    } finally {
      await front.stop();
    }
  });

  it('without --socket-group, the socket keeps the service user\'s group: nginx gets a 502 and logs why', { skip }, async () => {
    const front = await startFrontEnd('nginx', { serveArgs: [] });
    try {
      const socket = await stat(front.socketPath);
      assert.equal(socket.mode & 0o777, 0o660, 'the default mode is 0660');
      assert.equal(socket.gid, userIds(SERVICE_USER)?.gid);
      const refused = await httpFetch(front.port, 'GET', '/bus/health');
      assert.equal(refused.status, 502);
      assert.match(await front.errorLog(), /connect\(\) to unix:\S+atommq\.sock failed \(13: Permission denied\)/);
    } finally {
      await front.stop();
    }
  });

  it('a user outside the group is told that changing the group needs root or membership', { skip: isRoot() ? false : 'needs root to run as nobody' }, async () => {
    ensureServiceUser();
    const dir = await mkdtemp(join(tmpdir(), 'atommq-socket-'));
    try {
      const nobody = userIds('nobody');
      assert.ok(nobody !== undefined);
      giveDirectory(dir, nobody);
      const [command = 'setpriv', ...args] = asUser('nobody', [process.execPath, CLI, 'serve', '--fastcgi', join(dir, 'a.sock'), '--dsn', `sqlite:${join(dir, 'a.db')}`, '--socket-group', WEB_USER], 'nogroup');
      const run = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`cannot give the socket \\S+a\\.sock the group ${WEB_USER}: that needs root, or a user who is a member of ${WEB_USER}`));
      const other = spawnSync(command, [...args.slice(0, -1), 'no-such-group'], { encoding: 'utf8', timeout: 30_000 });
      assert.match(other.stderr, /there is no group named no-such-group/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a narrower mode is applied from the start; a malformed one is refused', { skip: isRoot() ? false : 'needs root' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-socket-'));
    try {
      const path = join(dir, 'b.sock');
      const bad = spawnSync(process.execPath, [CLI, 'serve', '--fastcgi', path, '--socket-mode', 'rw-rw----'], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /--socket-mode must be an octal mode such as 0660/);
      const tcp = spawnSync(process.execPath, [CLI, 'serve', '--fastcgi', '127.0.0.1:1', '--socket-group', WEB_USER], { encoding: 'utf8', timeout: 30_000 });
      assert.match(tcp.stderr, /apply to a Unix socket path/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a stale socket another user owns, which AtomMQ can neither probe nor reuse, is named as such', { skip: isRoot() ? false : 'needs root to run as nobody' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-socket-'));
    try {
      const nobody = userIds('nobody');
      assert.ok(nobody !== undefined);
      giveDirectory(dir, nobody);
      // As a server run once as root (0600) and killed: its socket file stays behind.
      const path = join(dir, 'd.sock');
      const killed = spawnSync(process.execPath, ['-e', `process.umask(0o077); require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
      assert.equal(killed.signal, 'SIGKILL');
      const [command = 'setpriv', ...args] = asUser('nobody', [process.execPath, CLI, 'serve', '--fastcgi', path, '--dsn', `sqlite:${join(dir, 'd.db')}`], 'nogroup');
      const run = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`${path} exists and AtomMQ may not connect to it`));
      assert.doesNotMatch(run.stderr, /address already in use/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a socket path whose directory does not exist is reported as such, not as "permission denied"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-socket-'));
    try {
      // As `atommq serve --fastcgi /run/atommq/atommq.sock` on a host where /run/atommq was never made.
      const path = join(dir, 'missing', 'atommq.sock');
      const run = spawnSync(process.execPath, [CLI, 'serve', '--fastcgi', path, '--dsn', `sqlite:${join(dir, 'c.db')}`], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`the directory ${join(dir, 'missing')} does not exist`));
      assert.doesNotMatch(run.stderr, /permission denied/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
