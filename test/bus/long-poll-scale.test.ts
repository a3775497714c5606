import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { parseEntry, parseFeed } from '../support/atom.js';
import { httpFetch } from '../support/http.js';
import { startLighttpd } from '../support/processes.js';
import { requireTool, waitFor } from '../support/tools.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const WAITERS = 200;

async function openDescriptors(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

async function residentKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
}

/**
 * Long polling at scale: 200 consumers wait at once on one `atommq serve --fastcgi` behind
 * lighttpd, and one publish wakes them all. Each gets exactly the new entry; afterwards the
 * server holds no more descriptors than before, and its memory stayed bounded.
 */
it(`${WAITERS} long-pollers on one FastCGI server are all woken by one publish`, async (t) => {
  if (!requireTool(t, 'lighttpd', 'the FastCGI front end')) return;
  const web = await startLighttpd();
  try {
    const first = await httpFetch(web.port, 'POST', '/bus/feeds/scale', { headers: ENTRY, body: '<entry><title>first</title></entry>' });
    assert.equal(first.status, 201);
    const etag = first.headers['etag'] ?? '';
    // Warm up: one long poll that ends empty, so lazily opened connections are counted below.
    assert.equal((await httpFetch(web.port, 'GET', '/bus/feeds/scale', { headers: { 'If-None-Match': etag, Prefer: 'wait=1' } })).status, 304);
    const descriptorsBefore = await openDescriptors(web.servePid);
    const rssBefore = await residentKiB(web.servePid);

    const waiters = Array.from({ length: WAITERS }, () =>
      httpFetch(web.port, 'GET', '/bus/feeds/scale', { headers: { 'If-None-Match': etag, Prefer: 'wait=25' } }));
    // Every waiter holds one FastCGI connection from lighttpd while it waits.
    await waitFor(`${WAITERS} waiting connections`, async () => (await openDescriptors(web.servePid)) >= descriptorsBefore + WAITERS, 15_000);
    const rssWaiting = await residentKiB(web.servePid);

    const posted = await httpFetch(web.port, 'POST', '/bus/feeds/scale', { headers: ENTRY, body: '<entry><title>wake</title></entry>' });
    assert.equal(posted.status, 201);
    const responses = await Promise.all(waiters);
    const newId = parseEntry(posted.body).id;
    for (const response of responses) {
      assert.equal(response.status, 200);
      assert.deepEqual(parseFeed(response.body).entries.map((e) => e.id), [newId]);
    }
    await waitFor('the waiters\' descriptors to be released', async () => (await openDescriptors(web.servePid)) <= descriptorsBefore + 2, 10_000);
    assert.ok(rssWaiting - rssBefore < 64 * 1024, `memory grew by ${rssWaiting - rssBefore} KiB for ${WAITERS} waiters`);
    assert.equal(await web.errorLog().then((log) => /atommq: .*(Error|failed)/.test(log)), false, 'nothing logged as a fault');
  } finally {
    await web.stop();
  }
});
