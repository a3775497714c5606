import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBasicAuthorization } from '../../lib/auth/basic.js';

const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

describe('parseBasicAuthorization (RFC 7617)', () => {
  it('decodes user and password; the scheme is case-insensitive', () => {
    assert.deepEqual(parseBasicAuthorization(`Basic ${encode('alice:s3cret')}`), { user: 'alice', password: 's3cret' });
    assert.deepEqual(parseBasicAuthorization(`bAsIc   ${encode('alice:s3cret')}  `), { user: 'alice', password: 's3cret' });
  });

  it('splits at the first colon: a password may hold colons, and may be empty', () => {
    assert.deepEqual(parseBasicAuthorization(`Basic ${encode('bob:a:b:c')}`), { user: 'bob', password: 'a:b:c' });
    assert.deepEqual(parseBasicAuthorization(`Basic ${encode('bob:')}`), { user: 'bob', password: '' });
  });

  it('decodes UTF-8, as the challenge\'s charset="UTF-8" announces', () => {
    assert.deepEqual(parseBasicAuthorization(`Basic ${encode('zoë:pässwörd')}`), { user: 'zoë', password: 'pässwörd' });
  });

  it('is undefined without a header', () => {
    assert.equal(parseBasicAuthorization(undefined), undefined);
  });

  const malformed: Array<[string, string]> = [
    ['another scheme', 'Bearer abc.def'],
    ['a bare scheme', 'Basic'],
    ['an empty header', ''],
    ['not base64', 'Basic !!!notbase64'],
    ['base64 without padding', `Basic ${encode('alice:x1').replace(/=+$/, '')}`],
    ['no colon', `Basic ${encode('alice')}`],
    ['an empty user', `Basic ${encode(':pw')}`],
    ['invalid UTF-8', `Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`],
    ['a control character', `Basic ${encode('al\nice:pw')}`],
    ['two tokens', `Basic ${encode('a:b')} ${encode('c:d')}`],
  ];
  for (const [what, header] of malformed) {
    it(`is 'malformed' for ${what}`, () => {
      assert.equal(parseBasicAuthorization(header), 'malformed');
    });
  }
});
