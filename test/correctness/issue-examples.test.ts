import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFeed } from '../support/atom.js';
import { HAS_STRICT_PARSER, assertStrictXml } from '../support/strict-xml.js';
import type { Target, TargetName } from '../support/targets.js';
import { NEEDS_LIGHTTPD, startTargets } from '../support/targets.js';
import { IS_CI, whichCommand } from '../support/tools.js';
import { CASES } from './cases.js';

/** Issue 10's examples through the core, CGI, lighttpd + FastCGI and HTTP; after each, the feed still reads. */
const ROUTES: readonly TargetName[] = ['core', 'cgi-spawn', 'serve-fastcgi', 'serve-http'];
const hasLighttpd = whichCommand('lighttpd') !== undefined;
if (IS_CI && (!hasLighttpd || !HAS_STRICT_PARSER)) throw new Error('lighttpd and python3 are needed, and CI=true: .ci/run must install them');

for (const name of ROUTES) {
  const skip = !HAS_STRICT_PARSER ? 'python3 (expat) is not installed' : NEEDS_LIGHTTPD.has(name) && !hasLighttpd ? 'lighttpd is not installed' : false;
  describe(`issue 10 examples through ${name}`, { skip }, () => {
    let target: Target | undefined;
    let close: (() => Promise<void>) | undefined;
    before(async () => {
      const started = await startTargets([name]);
      target = started.targets[0];
      close = started.close;
    });
    after(async () => close?.());
    for (const testCase of CASES) {
      it(testCase.name, async () => {
        if (target === undefined) throw new Error('target did not start');
        await testCase.run(target);
        await assertFeedReads(target);
      });
    }
  });
}

/** Every page of the log from the start, the edited view and the current document: 200, and expat reads them. */
async function assertFeedReads(t: Target): Promise<void> {
  const documents: string[] = [];
  for (let path: string | undefined = t.feedPath === '' ? '/' : t.feedPath, pages = 0; path !== undefined && pages < 200; pages += 1) {
    const page = await t.request('GET', path);
    assert.equal(page.status, 200, `GET ${path}: ${page.body.slice(0, 300)}`);
    documents.push(page.body);
    const next = parseFeed(page.body).links['next'];
    path = next === undefined ? undefined : new URL(next).pathname.slice(t.scriptPrefix.length) + new URL(next).search;
  }
  for (const view of ['edited', 'current']) {
    const page = await t.request('GET', `${t.feedPath}?view=${view}`);
    assert.equal(page.status, 200, `?view=${view}: ${page.body.slice(0, 300)}`);
    documents.push(page.body);
  }
  assertStrictXml(documents, 'the feed');
}
