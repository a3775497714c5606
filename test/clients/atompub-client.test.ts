import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bus } from './harness.js';
import { PERL, clientScript, describeRun, fetchLog, pathOf, printed, readLog, requireRunnable, runClient, withBus } from './harness.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const TITLES = ['created by Atompub::Client', 'updated by Atompub::Client'];

/**
 * Runs test/clients/atompub-client.pl (getService, createEntry, getEntry, updateEntry with
 * If-Match, getFeed, deleteEntry) and checks over HTTP what it left in the bus: the entry and its
 * revision in the log, then a tombstone, and a member that is gone.
 */
async function runAtompubClient(bus: Bus, serviceUri: string, collectionTitle: string, feedPath: string): Promise<void> {
  const run = await runClient(PERL, [clientScript('atompub-client.pl'), serviceUri, collectionTitle]);
  assert.equal(run.code, 0, describeRun(run));
  assert.match(run.stdout, /^ok$/m, describeRun(run));
  const member = printed(run, 'member');
  const id = printed(run, 'id');

  const gone = await bus.fetch('GET', pathOf(member));
  assert.ok(gone.status === 410 || gone.status === 404, `a deleted member is gone, got ${gone.status}`);

  const items = await fetchLog(bus, feedPath);
  const mine = items.filter((item) => (item.kind === 'entry' ? item.id : item.ref) === id);
  assert.deepEqual(mine.map((item) => (item.kind === 'entry' ? item.title : item.kind)), [...TITLES, 'deleted-entry'],
    'the log holds the entry, its revision, then a tombstone');
  assert.deepEqual(items.at(-1), mine.at(-1), 'the tombstone is the newest item in the log');

  const view = await bus.fetch('GET', `${feedPath}?view=edited`);
  assert.equal(view.status, 200, view.body);
  assert.ok(!readLog(view.body).some((item) => item.kind === 'entry' && item.id === id), 'the AtomPub view leaves a deleted member out');
}

describe('Perl Atompub::Client (libatompub-perl) against atommq serve', () => {
  it('runs its RFC 5023 sequence in multi-feed mode, from the service document at /', async (t) => {
    if (!(await requireRunnable(t, 'Perl Atompub::Client (libatompub-perl)', PERL, ['-MAtompub::Client', '-e1']))) return;
    await withBus([], async (bus) => {
      // The service document lists the feeds that exist, so the bus gets one message first.
      const seed = await bus.fetch('POST', '/feeds/clients', { headers: ENTRY, body: '<entry xmlns="http://www.w3.org/2005/Atom"><title>seed</title></entry>' });
      assert.equal(seed.status, 201, seed.body);
      await runAtompubClient(bus, bus.url('/'), 'clients', '/feeds/clients');
      const log = await fetchLog(bus, '/feeds/clients');
      const first = log[0];
      assert.equal(first?.kind === 'entry' ? first.title : first?.kind, 'seed', 'the message before the client is untouched');
    });
  });

  it('runs its RFC 5023 sequence in single-feed mode, from the service document at /service', async (t) => {
    if (!(await requireRunnable(t, 'Perl Atompub::Client (libatompub-perl)', PERL, ['-MAtompub::Client', '-e1']))) return;
    await withBus(['--feed', 'clients'], async (bus) => {
      await runAtompubClient(bus, bus.url('/service'), 'clients', '/');
    });
  });
});
