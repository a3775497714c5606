import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { problemDetail } from '../support/atom.js';
import { IS_CI, whichCommand } from '../support/tools.js';
import type { Canary } from './canary.js';
import { startCanary } from './canary.js';
import type { CaseContext, HostileCase, Kind } from './corpus.js';
import { CORPUS } from './corpus.js';
import type { StoredState } from './database.js';
import { StoredData } from './database.js';
import type { HostileResponse, HostileTarget, HostileTargetName, HostileTargets } from './targets.js';
import { startHostileTargets } from './targets.js';

/** Every route the corpus runs through. */
export const HOSTILE_TARGETS: readonly HostileTargetName[] = ['core', 'serve-fastcgi', 'serve-http'];

const FEED = '/feeds/hostile';
const FOLLOW_UP = '/feeds/follow-up';
const ATOM = 'http://www.w3.org/2005/Atom';
/** How far a server's peak RSS may rise above its RSS after start-up. */
const MEMORY_HEADROOM = 100 * 1024 * 1024;
/** The first line of /etc/passwd: it must never appear in an answer or in stored data. */
const PASSWD_LINE = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8').split('\n')[0] ?? 'root:x:0:0:' : 'root:x:0:0:';
const LEAKS: readonly RegExp[] = [/root:[^:\s]*:0:0:/, new RegExp(PASSWD_LINE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), /CANARY-FETCH/, /SQLite format 3/];
const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

interface World {
  readonly started: HostileTargets;
  readonly stored: StoredData;
  readonly canary: Canary;
  readonly baseline: Map<HostileTargetName, number>;
}

/**
 * Registers the cases of one kind, through every route. lighttpd missing: the FastCGI route is
 * skipped with its reason, or, under CI=true, the file fails.
 */
export function runHostileKind(kind: Kind): void {
  const cases = CORPUS.filter((c) => c.kind === kind);
  const hasLighttpd = whichCommand('lighttpd') !== undefined;
  if (!hasLighttpd && IS_CI) throw new Error('lighttpd is not installed, and CI=true: .ci/run must install it');
  if (!hasLighttpd) process.stderr.write(`# skipped: lighttpd is not installed, so the hostile ${kind} cases skip the FastCGI route (CI installs it)\n`);
  const running = HOSTILE_TARGETS.filter((name) => name !== 'serve-fastcgi' || hasLighttpd);

  describe(`hostile input: ${kind}`, () => {
    let world: World | undefined;
    before(async () => {
      const canary = await startCanary();
      const started = await startHostileTargets(running);
      const stored = await StoredData.open(started.databasePath);
      world = { started, stored, canary, baseline: new Map() };
      const [first] = started.targets;
      if (first === undefined) throw new Error('no target started');
      for (const title of ['one', 'two', 'three']) await assertPublishes(first, FEED, title);
      for (const target of started.targets) {
        await readFeed(target);
        await assertPublishes(target, FOLLOW_UP, 'warm-up');
        world.baseline.set(target.name, target.memory().rss);
      }
    });
    after(async () => {
      await world?.stored.close();
      await world?.started.close();
      await world?.canary.close();
    });

    for (const name of HOSTILE_TARGETS) {
      describe(`through ${name}`, { skip: running.includes(name) ? false : 'lighttpd is not installed' }, () => {
        for (const hostile of cases) {
          const skip = hostile.only !== undefined && !hostile.only.targets.includes(name) ? hostile.only.reason : false;
          it(hostile.name, { skip, todo: hostile.todo?.[name] ?? false }, async () => {
            if (world === undefined) throw new Error('the targets did not start');
            const target = world.started.targets.find((t) => t.name === name);
            if (target === undefined) throw new Error(`${name} did not start`);
            await runCase(hostile, target, world);
          });
        }
      });
    }
  });
}

/** Sends one hostile request and checks every promise of issue 7 around it. */
async function runCase(hostile: HostileCase, target: HostileTarget, world: World): Promise<void> {
  const ctx: CaseContext = { feedPath: FEED, canaryUrl: world.canary.url };
  const feedBefore = await readFeed(target);
  const storedBefore = await world.stored.read();
  const canaryBefore = world.canary.connections();
  const logBefore = target.log().length;

  const startedAt = Date.now();
  const response = await target.send(hostile.request(ctx));
  const elapsed = Date.now() - startedAt;

  assertAnswer(hostile, target, response);
  hostile.check?.(response, ctx);
  if (hostile.maxMs !== undefined) assert.ok(elapsed <= hostile.maxMs, `answered in ${elapsed} ms; at most ${hostile.maxMs} ms`);
  assert.equal(world.canary.connections(), canaryBefore, 'the server made a network request');

  const storedAfter = await world.stored.read();
  assertNoLeak(storedAfter.entries.join('\n'), 'stored data');
  if (response.status === 201) assertOnePublished(storedBefore, storedAfter);
  else assert.deepEqual(storedAfter, storedBefore, 'the stored rows changed');

  // Still serving: the feed reads the same, and a valid entry is still published.
  const feedAfter = await readFeed(target);
  if (response.status !== 201) assert.deepEqual(feedAfter, feedBefore, 'the feed reads differently');
  await assertPublishes(target, FOLLOW_UP, 'follow-up');

  const memory = target.memory();
  const baseline = world.baseline.get(target.name) ?? memory.rss;
  assert.ok(memory.peak - baseline < MEMORY_HEADROOM, `peak RSS ${mb(memory.peak)} MB, ${mb(memory.peak - baseline)} MB above the ${mb(baseline)} MB after start-up`);
  // Two round trips after the case, a fault logged while handling it has reached us.
  assert.doesNotMatch(target.log().slice(logBefore), STACK_TRACE, 'the server logged a fault');
}

/** The answer: a 4xx (or the case's statuses), readable, leaking nothing, injecting nothing. */
function assertAnswer(hostile: HostileCase, target: HostileTarget, response: HostileResponse): void {
  const summary = `${target.name} answered ${response.status}: ${response.body.slice(0, 300)}`;
  assertNoLeak(`${response.headerPairs.map(([k, v]) => `${k}: ${v}`).join('\n')}\n${response.body}`, 'the answer');
  assert.doesNotMatch(response.body, STACK_TRACE, 'a stack trace in the answer');
  for (const [name, value] of response.headerPairs) {
    assert.doesNotMatch(name, /injected/i, `an injected header: ${name}`);
    assert.doesNotMatch(value, /[\r\n\0]/, `CR, LF or NUL in the ${name} header`);
  }
  if (response.status === 0) {
    assert.ok(hostile.unanswered !== undefined && target.name !== 'core', `no answer came from ${target.name}`);
    return;
  }
  const type = response.headers['content-type'] ?? '';
  const byApp = target.name === 'core' || /^application\/(?:problem\+xml|atom\+xml|atomsvc\+xml)/.test(type);
  if (!byApp) {
    // The web server (lighttpd, or Node's HTTP parser) refused the request itself.
    const allowed = hostile.webServerStatus;
    assert.ok(allowed === undefined ? isClientError(response.status) : allowed.includes(response.status) || isClientError(response.status), summary);
    return;
  }
  assert.ok(hostile.status === undefined ? isClientError(response.status) : hostile.status.includes(response.status), summary);
  if (response.status >= 400) {
    assert.match(type, /^application\/problem\+xml/, summary);
    const detail = problemDetail(response.body);
    assert.ok(detail.length > 0 && detail.length < 300, `a short, readable detail: ${JSON.stringify(detail.slice(0, 400))}`);
    if (hostile.detail !== undefined) assert.match(detail, hostile.detail);
  }
  if (response.status === 405) assert.ok((response.headers['allow'] ?? '') !== '', '405 carries Allow');
}

function isClientError(status: number): boolean {
  return status >= 400 && status <= 499;
}

function assertNoLeak(text: string, where: string): void {
  for (const leak of LEAKS) assert.doesNotMatch(text, leak, `${where} leaks ${String(leak)}`);
}

/** A 201: exactly one entry row more, every earlier row unchanged. */
function assertOnePublished(before: StoredState, after: StoredState): void {
  assert.deepEqual(after.tables, before.tables);
  assert.equal(after.entries.length, before.entries.length + 1, 'one entry published');
  const rows = new Set(after.entries);
  for (const row of before.entries) assert.ok(rows.has(row), `a stored entry changed: ${row.slice(0, 200)}`);
}

/** The service document and the feed, as the target serves them. */
async function readFeed(target: HostileTarget): Promise<{ service: string; feed: string; etag: string | undefined }> {
  const service = await target.send({ method: 'GET', path: '/' });
  assert.equal(service.status, 200, `GET / through ${target.name}: ${service.body.slice(0, 300)}`);
  const feed = await target.send({ method: 'GET', path: FEED });
  assert.equal(feed.status, 200, `GET ${FEED} through ${target.name}: ${feed.body.slice(0, 300)}`);
  return { service: service.body, feed: feed.body, etag: feed.headers['etag'] };
}

async function assertPublishes(target: HostileTarget, path: string, title: string): Promise<void> {
  const body = new TextEncoder().encode(`<entry xmlns="${ATOM}"><title>${title}</title></entry>`);
  const response = await target.send({ method: 'POST', path, headers: { 'Content-Type': 'application/atom+xml;type=entry' }, body });
  assert.equal(response.status, 201, `POST ${path} through ${target.name}: ${response.body.slice(0, 300)}`);
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
