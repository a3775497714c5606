import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PERL, clientScript, describeRun, fetchLog, pathOf, printed, requireRunnable, runClient, withBus } from './harness.js';

describe('Perl XML::Atom::Client (libxml-atom-perl, Atom 1.0) against atommq serve', () => {
  it('runs createEntry, getEntry, updateEntry and deleteEntry on the bus log URL', async (t) => {
    if (!(await requireRunnable(t, 'Perl XML::Atom::Client (libxml-atom-perl)', PERL, ['-MXML::Atom::Client', '-e1']))) return;
    await withBus([], async (bus) => {
      // No service document for this client: its first POST creates the feed (multi-feed mode).
      const run = await runClient(PERL, [clientScript('xml-atom-client.pl'), bus.url('/feeds/xml-atom')]);
      assert.equal(run.code, 0, describeRun(run));
      assert.match(run.stdout, /^ok$/m, describeRun(run));
      const member = printed(run, 'member');
      const id = printed(run, 'id');
      assert.match(member, new RegExp(`^${bus.url('/feeds/xml-atom/entries/')}`), 'the member URI lives under the feed');

      const gone = await bus.fetch('GET', pathOf(member));
      assert.ok(gone.status === 410 || gone.status === 404, `a deleted member is gone, got ${gone.status}`);

      const log = await fetchLog(bus, '/feeds/xml-atom');
      assert.deepEqual(log.map((item) => (item.kind === 'entry' ? `${item.id} ${item.title}` : `${item.ref} deleted`)), [
        `${id} created by XML::Atom::Client`,
        `${id} updated by XML::Atom::Client`,
        `${id} deleted`,
      ], 'the log holds the Atom 1.0 entry, its revision, then a tombstone');
    });
  });
});
