import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthConfig } from '../../lib/auth/config.js';
import type { Identity } from '../../lib/auth/identity.js';
import { isAllowed } from '../../lib/auth/rules.js';

const user = (name: string): Identity => ({ user: name, checkedBy: 'atommq', scheme: 'Basic' });
const alice = user('alice');
const bob = user('bob');
const carol = user('carol');

describe('per-feed rules', () => {
  const { rules, realm, htpasswd } = parseAuthConfig({
    htpasswd: 'users.htpasswd',
    groups: { publishers: ['alice', 'carol'] },
    feeds: {
      orders: { read: ['*'], write: ['@publishers'] },
      private: { read: ['alice'], write: ['alice'] },
      'write-only': { write: ['@authenticated'] },
      '*': { read: ['@authenticated'], write: [] },
    },
  });

  it('keeps the realm default and the htpasswd path', () => {
    assert.equal(realm, 'AtomMQ');
    assert.equal(htpasswd, 'users.htpasswd');
  });

  it('"*" lets anyone read, anonymous clients included', () => {
    for (const who of [undefined, alice, bob]) assert.equal(isAllowed(rules, who, 'orders', 'read'), true);
  });

  it('a group expands to its users', () => {
    assert.equal(isAllowed(rules, alice, 'orders', 'write'), true);
    assert.equal(isAllowed(rules, carol, 'orders', 'write'), true);
    assert.equal(isAllowed(rules, bob, 'orders', 'write'), false);
    assert.equal(isAllowed(rules, undefined, 'orders', 'write'), false);
  });

  it('a named user is the only one allowed', () => {
    assert.equal(isAllowed(rules, alice, 'private', 'read'), true);
    assert.equal(isAllowed(rules, bob, 'private', 'read'), false);
    assert.equal(isAllowed(rules, undefined, 'private', 'read'), false);
  });

  it('a missing action allows nobody, and write does not imply read', () => {
    assert.equal(isAllowed(rules, bob, 'write-only', 'write'), true);
    assert.equal(isAllowed(rules, bob, 'write-only', 'read'), false);
  });

  it('the "*" rule covers every feed not named', () => {
    assert.equal(isAllowed(rules, bob, 'anything-else', 'read'), true);
    assert.equal(isAllowed(rules, undefined, 'anything-else', 'read'), false);
    assert.equal(isAllowed(rules, alice, 'anything-else', 'write'), false);
  });

  it('feed names match case-insensitively, as feeds do, so /feeds/ORDERS is no way around a rule', () => {
    assert.equal(isAllowed(rules, bob, 'ORDERS', 'write'), false);
    assert.equal(isAllowed(rules, bob, 'Private', 'read'), false);
    assert.equal(isAllowed(rules, alice, 'PRIVATE', 'write'), true);
  });

  it('user names are case-sensitive, as htpasswd and REMOTE_USER are', () => {
    assert.equal(isAllowed(rules, user('Alice'), 'private', 'read'), false);
  });

  it('without a "*" rule, unnamed feeds are closed to everyone', () => {
    const closed = parseAuthConfig({ feeds: { open: { read: ['*'], write: ['*'] } } }).rules;
    assert.equal(isAllowed(closed, alice, 'other', 'read'), false);
    assert.equal(isAllowed(closed, undefined, 'open', 'write'), true);
  });
});

describe('auth config errors', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', [], /the config: expected an object/],
    ['an unknown key', { feeds: {}, feed: {} }, /unknown key "feed"/],
    ['no feeds', { realm: 'x' }, /"feeds" is missing/],
    ['a realm with a quote', { realm: 'a"b', feeds: {} }, /"realm"/],
    ['a realm with CR/LF', { realm: 'a\r\nSet-Cookie: x', feeds: {} }, /"realm"/],
    ['an empty htpasswd path', { htpasswd: '', feeds: {} }, /"htpasswd"/],
    ['a rule with an unknown key', { feeds: { a: { read: [], publish: [] } } }, /"feeds"."a": unknown key "publish"/],
    ['a rule that is not an object', { feeds: { a: ['*'] } }, /"feeds"."a": expected an object/],
    ['principals that are not strings', { feeds: { a: { read: 'alice' } } }, /"feeds"."a".read: expected an array of strings/],
    ['an unknown group', { feeds: { a: { read: ['@admins'] } } }, /no group is named "admins"/],
    ['a user name with a colon', { feeds: { a: { read: ['al:ice'] } } }, /not a user name/],
    ['an invalid feed name', { feeds: { '../etc': { read: [] } } }, /not a feed name/],
    ['a feed named twice', { feeds: { Orders: { read: [] }, orders: { read: [] } } }, /named twice/],
    ['a group named authenticated', { groups: { authenticated: ['a'] }, feeds: {} }, /not "authenticated"/],
  ];
  for (const [what, config, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parseAuthConfig(config), message);
    });
  }
});
