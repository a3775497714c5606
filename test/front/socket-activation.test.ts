import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseEntry, parseFeed } from '../support/atom.js';
import { whyUnavailable } from '../support/front-end-check.js';
import { startFrontEnd } from '../support/front-ends.js';
import type { TestResponse } from '../support/http.js';
import { httpFetch } from '../support/http.js';
import { CGI_SCRIPT } from '../support/cgi.js';
import { CLI } from '../support/processes.js';
import { rawRequest } from '../support/raw-request.js';
import { SERVICE_USER, WEB_USER, asUser } from '../support/service-user.js';
import type { SocketHolder } from '../support/socket-holder.js';
import { holdSocket } from '../support/socket-holder.js';

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };
const PUBLISHERS = 8;
const PER_PUBLISHER = 40;

/**
 * 8 publishers post through `port` while the server is stopped with SIGTERM and started again
 * on the same socket. Every request must be answered 201: none refused, none reset, no 5xx.
 * Then every acknowledged entry must be in the feed exactly once.
 */
async function publishAcrossRestart(holder: SocketHolder, port: number, feedPath: string): Promise<void> {
  const acknowledged: string[] = [];
  let restart: Promise<void> | undefined;
  const publisher = async (p: number): Promise<void> => {
    for (let n = 0; n < PER_PUBLISHER; n++) {
      const response: TestResponse = await httpFetch(port, 'POST', feedPath, { headers: ENTRY, body: `<entry><title>p${p}-${n}</title></entry>` });
      assert.equal(response.status, 201, `publisher ${p}, entry ${n}: ${response.status} ${response.body.slice(0, 200)}`);
      acknowledged.push(parseEntry(response.body).id);
      // SIGTERM while all eight are publishing: a quarter of the way in.
      if (acknowledged.length === (PUBLISHERS * PER_PUBLISHER) / 4) {
        restart = holder.stop().then((status) => {
          assert.equal(status, 0, `the server exits 0 on SIGTERM: ${holder.stderr()}`);
          return holder.start().then(() => undefined);
        });
      }
    }
  };
  await Promise.all(Array.from({ length: PUBLISHERS }, (_, p) => publisher(p)));
  await restart;
  assert.ok(restart !== undefined, 'the restart happened');
  const feed = await httpFetch(port, 'GET', `${feedPath}?limit=1000`);
  const stored = parseFeed(feed.body).entries.map((e) => e.id);
  for (const id of acknowledged) assert.equal(stored.filter((s) => s === id).length, 1, `acknowledged ${id} is stored once`);
}

/** A request made while no process serves the socket waits in its backlog, and is answered after the restart. */
async function requestDuringRestart(holder: SocketHolder, port: number, path: string): Promise<void> {
  assert.equal(await holder.stop(), 0);
  const waiting = rawRequest(port, 'POST', path, ENTRY, '<entry><title>during the restart</title></entry>');
  await waiting.connected; // the kernel queued the connection: nothing refused it
  let isAnswered = false;
  void waiting.response.then(() => { isAnswered = true; });
  assert.equal(isAnswered, false);
  await holder.start();
  assert.equal((await waiting.response).status, 201);
}

describe('systemd socket activation (LISTEN_FDS, fd 3)', { timeout: 180_000 }, () => {
  // python3 plays systemd (test/support/socket-holder.py); CI has it through python3-feedparser.
  const noPython = whyUnavailable('python3', 'any');
  it('serves HTTP on the passed socket, across restarts, with no request refused and no acknowledged entry lost', { skip: noPython }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-activation-'));
    const holder = await holdSocket(['tcp', '127.0.0.1'], [process.execPath, CLI, 'serve', '--activated-protocol', 'http', '--dsn', `sqlite:${join(dir, 'bus.db')}`]);
    try {
      const port = Number(holder.address);
      await holder.start();
      const first = await httpFetch(port, 'POST', '/feeds/act', { headers: ENTRY, body: '<entry><title>first</title></entry>' });
      assert.equal(first.status, 201, first.body);
      assert.match(first.headers['location'] ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${port}/feeds/act/entries/1$`));
      await requestDuringRestart(holder, port, '/feeds/act');
      await publishAcrossRestart(holder, port, '/feeds/act');
      assert.match(holder.stderr(), /serving HTTP on the socket systemd passed \(fd 3\)/);
    } finally {
      await holder.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  const skip = noPython || whyUnavailable('nginx', 'root');
  it('serves FastCGI on the passed socket behind nginx, as the service user, across a restart', { skip }, async () => {
    const front = await startFrontEnd('nginx', { startServe: false });
    // As atommq.socket does: SocketGroup=www-data, SocketMode=0660.
    const holder = await holdSocket(['unix', front.socketPath, '0660', WEB_USER], asUser(SERVICE_USER, [process.execPath, CLI, 'serve', '--dsn', front.serveDsn]));
    try {
      await holder.start();
      const first = await httpFetch(front.port, 'POST', '/bus/feeds/act', { headers: ENTRY, body: '<entry><title>first</title></entry>' });
      assert.equal(first.status, 201, `${first.body} ${await front.errorLog()}`);
      await requestDuringRestart(holder, front.port, '/bus/feeds/act');
      await publishAcrossRestart(holder, front.port, '/bus/feeds/act');
      assert.match(holder.stderr(), /serving FastCGI on the socket systemd passed \(fd 3\)/);
      assert.doesNotMatch(await front.errorLog(), /\[error\]/, 'nginx logged no failed upstream request');
    } finally {
      await holder.close();
      await front.stop();
    }
  });

  it('the cgi-bin script\'s server.run() serves FastCGI on the passed socket too', { skip }, async () => {
    const front = await startFrontEnd('nginx', { startServe: false });
    const holder = await holdSocket(['unix', front.socketPath, '0660', WEB_USER], asUser(SERVICE_USER, [CGI_SCRIPT]), { ATOMMQ_DSN: front.serveDsn });
    try {
      await holder.start();
      // Single-feed mode: the script is the feed, mounted at nginx's /bus.
      const posted = await httpFetch(front.port, 'POST', '/bus', { headers: ENTRY, body: '<entry><title>from run()</title></entry>' });
      assert.equal(posted.status, 201, `${posted.body} ${holder.stderr()} ${await front.errorLog()}`);
      assert.equal(posted.headers['location'], `http://127.0.0.1:${front.port}/bus/entries/1`);
      assert.equal(await holder.stop(), 0, 'run() stops gracefully on SIGTERM');
    } finally {
      await holder.close();
      await front.stop();
    }
  });

  it('the cgi-bin script\'s server.run() serves HTTP on a socket the unit names "http" (FileDescriptorName=http)', { skip: noPython, timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atommq-activation-'));
    const holder = await holdSocket(['tcp', '127.0.0.1'], [CGI_SCRIPT], { ATOMMQ_DSN: `sqlite:${join(dir, 'bus.db')}`, LISTEN_FDNAMES: 'http' });
    try {
      const port = Number(holder.address);
      await holder.start();
      const posted = await httpFetch(port, 'POST', '/', { headers: ENTRY, body: '<entry><title>from run() over HTTP</title></entry>' });
      assert.equal(posted.status, 201, `${posted.body} ${holder.stderr()}`);
      assert.equal(posted.headers['location'], `http://127.0.0.1:${port}/entries/1`);
      assert.equal(await holder.stop(), 0, 'run() stops gracefully on SIGTERM');
    } finally {
      await holder.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
