import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baseUrl, requestHeader, scriptName } from '../../lib/core/env.js';
import { element, escapeAttribute } from '../../lib/xml/writer.js';

describe('CGI env', () => {
  it('SCRIPT_NAME "/" is the root, the empty string (PSGI rule)', () => {
    assert.equal(scriptName({ SCRIPT_NAME: '/' }), '');
    assert.equal(scriptName({}), '');
  });

  it('builds the absolute base URL from Host, HTTPS and the prefix', () => {
    assert.equal(baseUrl({ HTTP_HOST: 'bus.example', SCRIPT_NAME: '/cgi-bin/mycoolfeed' }), 'http://bus.example/cgi-bin/mycoolfeed');
    assert.equal(baseUrl({ HTTPS: 'on', SERVER_NAME: 'bus.example', SERVER_PORT: '8443' }), 'https://bus.example:8443');
    assert.equal(baseUrl({ SERVER_NAME: 'bus.example', SERVER_PORT: '80', SCRIPT_NAME: '/a b' }), 'http://bus.example/a%20b');
  });

  it('reads headers, with CONTENT_TYPE never HTTP_-prefixed', () => {
    assert.equal(requestHeader({ HTTP_XLASTID: '42' }, 'Xlastid'), '42');
    assert.equal(requestHeader({ CONTENT_TYPE: 'text/xml' }, 'Content-Type'), 'text/xml');
  });
});

describe('XML writer', () => {
  it('escapes text and attributes, so CR/LF and quotes cannot break out', () => {
    assert.equal(element('a', { href: '"x"\r\n<y>' }, 'a&b<c>').markup, '<a href="&quot;x&quot;&#13;&#10;&lt;y&gt;">a&amp;b&lt;c&gt;</a>');
    assert.equal(escapeAttribute('\t'), '&#9;');
  });
});
