import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../lib/core/errors.js';
import { route } from '../../lib/core/router.js';

describe('route', () => {
  it('multi-feed mode keeps AtomBus 1.0405 URLs', () => {
    assert.deepEqual(route('', undefined), { kind: 'service' });
    assert.deepEqual(route('/', undefined), { kind: 'service' });
    assert.deepEqual(route('/feeds/Foo', undefined), { kind: 'collection', feed: 'Foo' });
    assert.deepEqual(route('/feeds/foo/entries/42', undefined), { kind: 'member', feed: 'foo', key: '42' });
  });

  it('single-feed mode makes the script the feed', () => {
    assert.deepEqual(route('', 'MyCoolFeed'), { kind: 'collection', feed: 'MyCoolFeed' });
    assert.deepEqual(route('/service', 'MyCoolFeed'), { kind: 'service' });
    assert.deepEqual(route('/entries/7', 'MyCoolFeed'), { kind: 'member', feed: 'MyCoolFeed', key: '7' });
  });

  for (const path of ['/feeds/..', '/feeds/a%2Fb', '/feeds/a\0b', '/feeds/caf\u00e9', `/feeds/${'x'.repeat(10_000)}`, '/feeds/.hidden', '/nope', '/feeds/a/b', '/feeds/a/entries/1/x']) {
    it(`refuses ${JSON.stringify(path.slice(0, 30))} with a 404`, () => {
      assert.throws(() => route(path, undefined), (error: unknown) => error instanceof HttpError && error.status === 404);
    });
  }
});
