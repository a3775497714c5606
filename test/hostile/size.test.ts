import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { problemDetail } from '../support/atom.js';
import { runCgi } from '../support/cgi.js';
import { envFor } from '../support/env.js';
import { StoredData } from './database.js';
import { runHostileKind } from './run.js';

/**
 * Issue 7's hostile-input corpus. Size and nesting: 100,000-deep nesting, a 50 MB text node, and
 * bodies above the limit with honest and lying lengths. Each case runs through the core, FastCGI
 * behind lighttpd, and HTTP.
 */
runHostileKind('size');

const MiB = 1024 * 1024;
const ENTRY = '<entry xmlns="http://www.w3.org/2005/Atom"><title>cgi</title></entry>';

/**
 * The same limits through the CGI adapter, which reads stdin itself: RFC 3875 §4.2 says a script
 * reads no more than CONTENT_LENGTH bytes, so a lying CONTENT_LENGTH can only shorten the body.
 */
describe('hostile input: size, through the CGI adapter reading stdin (cgi-bin/mycoolfeed)', () => {
  let dir = '';
  let dsn = '';
  let stored: StoredData | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atommq-hostile-cgi-'));
    dsn = `sqlite:${join(dir, 'cgi.db')}`;
    assert.equal((await cgi('POST', ENTRY)).status, 201);
    stored = await StoredData.open(join(dir, 'cgi.db'));
  });
  after(async () => {
    await stored?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the script with `body` on stdin and CONTENT_LENGTH as given ('absent' leaves it out). */
  async function cgi(method: string, body: string | Uint8Array, contentLength?: number | 'absent'): Promise<{ status: number; body: string }> {
    const { env, body: bytes } = envFor(`${method} /`, { scriptName: '/cgi-bin/mycoolfeed', body });
    const withLength: Record<string, string | undefined> = { ...env };
    if (contentLength === 'absent') delete withLength['CONTENT_LENGTH'];
    else if (contentLength !== undefined) withLength['CONTENT_LENGTH'] = String(contentLength);
    return runCgi(withLength, bytes, { ATOMMQ_DSN: dsn });
  }

  const cases: ReadonlyArray<{ name: string; body: Uint8Array; contentLength: number | 'absent'; status: number; detail: RegExp }> = [
    { name: 'an honest CONTENT_LENGTH far above the limit', body: new Uint8Array(2 * MiB).fill(0x61), contentLength: 2 * MiB, status: 413, detail: /larger than the limit of 1048576 bytes/ },
    { name: 'a CONTENT_LENGTH far above the limit with only a few bytes on stdin', body: new TextEncoder().encode(ENTRY), contentLength: 64 * MiB, status: 413, detail: /larger than the limit/ },
    { name: 'a lying, small CONTENT_LENGTH: only its 10 bytes of the 2 MB on stdin are read', body: new Uint8Array(2 * MiB).fill(0x61), contentLength: 10, status: 400, detail: /not well-formed XML/ },
    { name: 'a lying, large CONTENT_LENGTH: stdin ends early', body: new TextEncoder().encode(ENTRY), contentLength: 5_000, status: 400, detail: /ended after \d+ of the 5000 bytes/ },
    { name: 'no CONTENT_LENGTH and 2 MB on stdin', body: new Uint8Array(2 * MiB).fill(0x61), contentLength: 'absent', status: 413, detail: /larger than the limit/ },
  ];

  for (const hostile of cases) {
    it(hostile.name, async () => {
      if (stored === undefined) throw new Error('the database did not open');
      const feedBefore = await cgi('GET', new Uint8Array(0));
      const rowsBefore = await stored.read();
      const response = await cgi('POST', hostile.body, hostile.contentLength);
      assert.equal(response.status, hostile.status, response.body);
      assert.match(problemDetail(response.body), hostile.detail);
      assert.deepEqual(await stored.read(), rowsBefore, 'the stored rows changed');
      assert.deepEqual(await cgi('GET', new Uint8Array(0)), feedBefore, 'the feed reads differently');
      assert.equal((await cgi('POST', ENTRY)).status, 201, 'a valid entry is still published');
    });
  }
});
