import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { takeActivatedSocket } from '../../lib/adapters/socket-activation.js';
import { parseSocketMode } from '../../lib/adapters/socket-permissions.js';

describe('sd_listen_fds(3): which passed socket is ours', () => {
  it('takes fd 3 when LISTEN_PID names this process, and removes the variables', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: '4242', LISTEN_FDNAMES: 'http', OTHER: 'kept' };
    assert.deepEqual(takeActivatedSocket(env, 4242), { fd: 3, name: 'http' });
    assert.deepEqual(env, { OTHER: 'kept' });
  });

  it('ignores variables meant for another process (a parent that was activated), and removes them too', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: '1' };
    assert.equal(takeActivatedSocket(env, 4242), undefined);
    assert.deepEqual(env, {});
    assert.equal(takeActivatedSocket({ LISTEN_FDS: '1' }, 4242), undefined, 'no LISTEN_PID');
    assert.equal(takeActivatedSocket({ LISTEN_FDS: '0', LISTEN_PID: '4242' }, 4242), undefined, 'no socket');
    assert.equal(takeActivatedSocket({}, 4242), undefined);
  });

  it('refuses more than one socket with a message that says what to change', () => {
    assert.throws(() => takeActivatedSocket({ LISTEN_FDS: '2', LISTEN_PID: '7' }, 7), /passed 2 sockets .* single Listen line/);
  });

  it('reads socket modes as octal', () => {
    assert.equal(parseSocketMode('0660'), 0o660);
    assert.equal(parseSocketMode('600'), 0o600);
    for (const bad of ['0880', '66', '06600', 'rw', '']) assert.throws(() => parseSocketMode(bad), /octal mode/);
  });
});
