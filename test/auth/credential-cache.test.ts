import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CredentialCache } from '../../lib/auth/credential-cache.js';

/** A check that counts its calls and answers `answer` after a tick. */
function countingCheck(answer: boolean): { calls: number; check: () => Promise<boolean> } {
  const counter = { calls: 0, check: async (): Promise<boolean> => { counter.calls += 1; await new Promise((r) => setImmediate(r)); return answer; } };
  return counter;
}

describe('CredentialCache', () => {
  it('checks a login once, then answers from memory until the TTL passes', async () => {
    let now = 0;
    const cache = new CredentialCache({ ttlMs: 1000, now: () => now });
    const counter = countingCheck(true);
    for (let i = 0; i < 5; i += 1) assert.equal(await cache.verify('alice', 'pw', counter.check), true);
    assert.equal(counter.calls, 1);
    now = 1001;
    assert.equal(await cache.verify('alice', 'pw', counter.check), true);
    assert.equal(counter.calls, 2);
  });

  it('never remembers a failure', async () => {
    const cache = new CredentialCache();
    const counter = countingCheck(false);
    for (let i = 0; i < 3; i += 1) assert.equal(await cache.verify('alice', 'wrong', counter.check), false);
    assert.equal(counter.calls, 3);
    assert.equal(cache.size, 0);
  });

  it('keys on user and password together', async () => {
    const cache = new CredentialCache();
    await cache.verify('alice', 'pw', countingCheck(true).check);
    const other = countingCheck(false);
    assert.equal(await cache.verify('alice', 'other', other.check), false);
    assert.equal(await cache.verify('alic', 'epw', other.check), false);
    assert.equal(other.calls, 2);
  });

  it('shares one check among concurrent requests of the same login', async () => {
    const cache = new CredentialCache();
    const counter = countingCheck(true);
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.verify('alice', 'pw', counter.check)));
    assert.deepEqual(results, Array(20).fill(true));
    assert.equal(counter.calls, 1);
  });

  it('is bounded: the oldest login goes first', async () => {
    const cache = new CredentialCache({ maxEntries: 3 });
    for (const user of ['a', 'b', 'c', 'd']) await cache.verify(user, 'pw', countingCheck(true).check);
    assert.equal(cache.size, 3);
    const again = countingCheck(true);
    await cache.verify('d', 'pw', again.check);
    assert.equal(again.calls, 0, 'd is still remembered');
    await cache.verify('a', 'pw', again.check);
    assert.equal(again.calls, 1, 'a was evicted');
  });

  it('holds no password in memory it could be read from', async () => {
    const cache = new CredentialCache();
    await cache.verify('alice', 'Alice-secret-in-cache', countingCheck(true).check);
    const inspected = JSON.stringify([...(cache as unknown as { verified: Map<string, number> }).verified.keys()]);
    assert.ok(!inspected.includes('Alice-secret-in-cache') && !inspected.includes('alice'));
  });
});
