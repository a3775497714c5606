import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { negotiate, parseAccept, qualityOf } from '../../lib/core/negotiate.js';

/**
 * The Accept strings real clients send, and what each must get. Sources:
 * - Chromium: a top-level navigation (net/http/http_util / content's frame navigation default).
 * - Firefox: network.http.accept default since Firefox 128 (and the older one with image types).
 * - curl: its built-in default `Accept: *∕*`.
 * - feedparser: feedparser/http.py ACCEPT_HEADER (Debian python3-feedparser 6).
 * - XML::Atom::Client: XML/Atom/Client.pm, the Accept it sets on every request.
 * - Atompub::Client: Atompub/Client.pm munge_request (entry, service and categories types, then *∕*).
 * - newsboat: rss/parser.cpp sets no Accept, so libcurl sends `*∕*`.
 * - Ape: sets no Accept of its own; Ruby's Net::HTTP then sends `*∕*`.
 */
const CLIENTS: ReadonlyArray<readonly [string, string | undefined, 'atom' | 'html']> = [
  ['Chromium', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7', 'html'],
  ['Firefox 128+', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'html'],
  ['Firefox (older)', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', 'html'],
  ['curl', '*/*', 'atom'],
  ['feedparser', 'application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1', 'atom'],
  ['XML::Atom::Client', 'application/atom+xml, application/x.atom+xml, application/xml, text/xml, */*', 'atom'],
  ['Atompub::Client', 'application/atom+xml,application/atomsvc+xml,application/atomcat+xml,*/*', 'atom'],
  ['newsboat', '*/*', 'atom'],
  ['Ape', '*/*', 'atom'],
  ['no Accept at all', undefined, 'atom'],
];

describe('content negotiation', () => {
  for (const [client, accept, expected] of CLIENTS) {
    it(`${client} gets ${expected}`, () => assert.equal(negotiate(accept, true), expected));
  }

  it('a tie between text/html and Atom is Atom; HTML needs a strictly higher q', () => {
    assert.equal(negotiate('text/html, application/atom+xml', true), 'atom');
    assert.equal(negotiate('text/*;q=0.9, */*;q=0.5', true), 'html');
    assert.equal(negotiate('text/html;q=0.5, application/*;q=0.6', true), 'atom');
  });

  it('the most specific range decides a q-value', () => {
    const ranges = parseAccept('text/*;q=0.3, text/html;q=0.7, */*;q=0.1');
    assert.equal(qualityOf(ranges, 'text/html'), 0.7);
    assert.equal(qualityOf(ranges, 'text/plain'), 0.3);
    assert.equal(qualityOf(ranges, 'application/atom+xml'), 0.1);
    assert.equal(qualityOf(parseAccept('text/html;q=0'), 'text/html'), 0);
  });

  it('event streams only when asked for by name, as EventSource does', () => {
    assert.equal(negotiate('text/event-stream', true), 'event-stream');
    assert.equal(negotiate('text/event-stream', false), 'atom');
    assert.equal(negotiate('text/*', true), 'html');
    assert.equal(negotiate('text/event-stream;q=0.1, application/atom+xml', true), 'atom');
  });

  it('ignores malformed members', () => {
    assert.equal(negotiate('garbage, ;;;, text/html;q=abc', true), 'html');
    assert.equal(negotiate(',,,', true), 'atom');
  });
});
