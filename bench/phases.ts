import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { measureCgiCost } from './cgi-cost.js';
import type { Deployment } from './deployments.js';
import { scratchDir, startHttpDeployment, startLighttpdDeployments } from './deployments.js';
import { fillFeed, lastSeq } from './fill.js';
import { measureLatency, measureThroughput } from './load.js';
import type { PhaseContext } from './measure.js';
import { ENTRY_BODY, ENTRY_HEADERS, measurePublish, measureReads, topUp } from './measure.js';
import { peakRssMB } from './procfs.js';
import type { Ceiling, PublishPair } from './results.js';

const run = promisify(execFile);
const FSYNC_SCRIPT = new URL('./fsync-ceiling.js', import.meta.url).pathname;

/** The fsync ceiling, in a separate process, on the disk of the system temp directory. */
export async function measureCeiling(seconds: number): Promise<Ceiling> {
  const { stdout } = await run(process.execPath, [FSYNC_SCRIPT, tmpdir(), String(seconds)]);
  const data: unknown = JSON.parse(stdout);
  if (typeof data !== 'object' || data === null || !('perSecond' in data) || !('commits' in data) || !('seconds' in data)) throw new Error(`fsync-ceiling printed ${stdout}`);
  return { commits: Number(data.commits), seconds: Number(data.seconds), perSecond: Number(data.perSecond) };
}

async function publishPair(ctx: PhaseContext, deployment: Deployment): Promise<PublishPair> {
  const pid = deployment.pid();
  const probe = pid !== undefined && deployment.probeDir !== undefined ? { pid, dir: deployment.probeDir } : undefined;
  ctx.log(`publish ${deployment.key}, 1 connection`);
  const c1 = await measurePublish(deployment.collectionUrl, 1, ctx.timing, probe);
  ctx.log(`publish ${deployment.key}, 16 connections`);
  const c16 = await measurePublish(deployment.collectionUrl, 16, ctx.timing, probe);
  return { c1, c16 };
}

async function readsOf(ctx: PhaseContext, deployment: Deployment): Promise<void> {
  let last = await lastSeq(deployment.dbPath, deployment.feedName);
  if (last < 1020) {
    await topUp(deployment.collectionUrl, last, 1020);
    last = await lastSeq(deployment.dbPath, deployment.feedName);
  }
  ctx.log(`reads ${deployment.key} (feed of ${last} entries)`);
  ctx.results.reads[deployment.key] = await measureReads(deployment.collectionUrl, `start_after=${last - 20}&limit=20`, ctx.timing);
}

function recordRss(ctx: PhaseContext, deployment: Deployment, stage: 'publish' | 'reads'): void {
  const pid = deployment.pid();
  if (pid === undefined) return;
  const mb = peakRssMB(pid);
  const key = deployment.key;
  ctx.results.rss[key] = stage === 'publish'
    ? { pid, afterPublishMB: mb, afterReadsMB: undefined }
    : { pid, afterPublishMB: ctx.results.rss[key]?.afterPublishMB ?? Number.NaN, afterReadsMB: mb };
}

/** `atommq serve` over HTTP: publish, peak RSS, reads, the batch probe; SQLite's per-database row. */
export async function httpPhase(ctx: PhaseContext): Promise<void> {
  const scratch = await scratchDir('http');
  const removeDir = ctx.onCleanup(scratch.remove);
  const { deployment, stop } = await startHttpDeployment(scratch.dir, scratch.probeDir);
  const stopServer = ctx.onCleanup(stop);
  try {
    const pair = await publishPair(ctx, deployment);
    ctx.results.publish.http = pair;
    ctx.results.databases.sqlite = { c1: pair.c1.load, c16: pair.c16.load };
    recordRss(ctx, deployment, 'publish');
    await readsOf(ctx, deployment);
    recordRss(ctx, deployment, 'reads');
    await batchRows(ctx, deployment);
  } finally {
    await stopServer();
    await removeDir();
  }
}

/** Entries per batch POST, and concurrent batch publishers, of the batch rows. */
export const BATCH_SIZES = [100, 1000] as const;
export const BATCH_CONNECTIONS = [1, 4] as const;

/** Batch publish, if the server takes a feed document of entries in one POST; otherwise why not. */
async function batchRows(ctx: PhaseContext, deployment: Deployment): Promise<void> {
  const feedOf = (n: number): string => `<feed xmlns="http://www.w3.org/2005/Atom">${ENTRY_BODY.replace(' xmlns="http://www.w3.org/2005/Atom"', '').repeat(n)}</feed>`;
  const probe = await fetch(deployment.collectionUrl, { method: 'POST', body: feedOf(2), headers: { 'Content-Type': 'application/atom+xml;type=feed' } });
  await probe.arrayBuffer();
  if (!probe.ok) {
    ctx.results.batch = { unavailable: `n/a: a feed document POST answers ${probe.status}; batch publish is not implemented yet` };
    return;
  }
  const perBatch: Record<string, Awaited<ReturnType<typeof measureThroughput>>> = {};
  for (const size of BATCH_SIZES) {
    for (const connections of BATCH_CONNECTIONS) {
      ctx.log(`batch publish, ${size} entries per POST, ${connections} connection(s)`);
      perBatch[`${size}x${connections}`] = await measureThroughput({ url: deployment.collectionUrl, method: 'POST', body: feedOf(size), headers: { 'Content-Type': 'application/atom+xml;type=feed' } }, connections, ctx.timing.seconds, ctx.timing.warmupSeconds);
    }
  }
  ctx.results.batch = { perBatch };
}

/** lighttpd.conf.example: publish through all three, then reads, then the cost of one CGI request. */
export async function lighttpdPhase(ctx: PhaseContext, cgiRuns: number): Promise<void> {
  const scratch = await scratchDir('lighttpd');
  const removeDir = ctx.onCleanup(scratch.remove);
  const lighttpd = await startLighttpdDeployments(scratch.probeDir);
  const stop = ctx.onCleanup(lighttpd.stop);
  try {
    for (const deployment of lighttpd.deployments) {
      try {
        ctx.results.publish[deployment.key] = await publishPair(ctx, deployment);
        recordRss(ctx, deployment, 'publish');
      } catch (error) {
        ctx.results.errors[`publish.${deployment.key}`] = messageOf(error);
      }
    }
    for (const deployment of lighttpd.deployments) {
      try {
        await readsOf(ctx, deployment);
        recordRss(ctx, deployment, 'reads');
      } catch (error) {
        ctx.results.errors[`reads.${deployment.key}`] = messageOf(error);
      }
    }
    const bin = lighttpd.deployments.find((d) => d.key === 'fcgi-bin');
    if (bin !== undefined) await atomIdRead(ctx, bin);
    const cgi = lighttpd.deployments.find((d) => d.key === 'cgi');
    if (cgi !== undefined) {
      ctx.log(`CGI cost, ${cgiRuns} runs each`);
      const last = await lastSeq(cgi.dbPath, cgi.feedName);
      try {
        ctx.results.cgiCost = await measureCgiCost({ runs: cgiRuns, dsn: `sqlite:${cgi.dbPath}`, lighttpdPort: lighttpd.port, query: `start_after=${last - 20}&limit=20` });
      } catch (error) {
        ctx.results.errors['cgi-cost'] = messageOf(error);
      }
    }
  } finally {
    await stop();
    await removeDir();
  }
}

/** The fcgi-bin cursor read with `start_after=<atom:id>`, the only cursor AtomBus understands. */
async function atomIdRead(ctx: PhaseContext, deployment: Deployment): Promise<void> {
  const { SqliteConnection } = await import('../lib/storage/sqlite/connection.js');
  const db = await SqliteConnection.open(deployment.dbPath, 15_000);
  let atomId: unknown;
  try {
    const [row] = await db.all(`SELECT e.atom_id FROM atommq_entry e JOIN atommq_feed f ON f.id = e.feed_id
      WHERE f.name_key = ? ORDER BY e.seq DESC LIMIT 1 OFFSET 20`, [deployment.feedName.toLowerCase()]);
    atomId = typeof row === 'object' && row !== null && 'atom_id' in row ? row.atom_id : undefined;
  } finally {
    await db.close();
  }
  if (typeof atomId !== 'string') return;
  ctx.log('read fcgi-bin after an atom:id cursor');
  ctx.results.readAtomId = await measureLatency({ url: `${deployment.collectionUrl}?start_after=${encodeURIComponent(atomId)}` }, ctx.timing.seconds, ctx.timing.warmupSeconds);
}

/** Cursor-read latency near the end of a small and a big feed, each on its own server and file. */
export async function backlogPhase(ctx: PhaseContext, smallEntries: number, bigEntries: number): Promise<void> {
  const measured: Record<string, { latency: Awaited<ReturnType<typeof measureLatency>>; fillSeconds: number }> = {};
  for (const [name, entries] of [['small', smallEntries], ['big', bigEntries]] as const) {
    const scratch = await scratchDir(`backlog-${name}`);
    const removeDir = ctx.onCleanup(scratch.remove);
    const { deployment, stop } = await startHttpDeployment(scratch.dir, scratch.probeDir);
    const stopServer = ctx.onCleanup(stop);
    try {
      const posted = await fetch(deployment.collectionUrl, { method: 'POST', body: ENTRY_BODY, headers: ENTRY_HEADERS });
      await posted.arrayBuffer();
      if (posted.status !== 201) throw new Error(`the first POST answered ${posted.status}`);
      ctx.log(`backlog: filling a ${entries}-entry feed`);
      const fillSeconds = await fillFeed(deployment.dbPath, deployment.feedName, entries);
      ctx.log(`backlog: cursor reads near the end of ${entries} entries`);
      const latency = await measureLatency({ url: `${deployment.collectionUrl}?start_after=${entries - 20}&limit=20` }, ctx.timing.seconds, ctx.timing.warmupSeconds);
      measured[name] = { latency, fillSeconds };
    } finally {
      await stopServer();
      await removeDir();
    }
  }
  const small = measured['small'];
  const big = measured['big'];
  if (small !== undefined && big !== undefined) {
    ctx.results.backlog = { small: small.latency, big: big.latency, smallEntries, bigEntries, fillSeconds: big.fillSeconds };
  }
}

/**
 * Group commit on a deliberately slow disk: the same serve --fastcgi deployment behind lighttpd,
 * with the commit probe sleeping `delayMs` before every COMMIT (a benchmark-only injection; see
 * commit-probe.ts). One commit per message could then do at most 1000/delayMs per second.
 */
export async function slowDiskPhase(ctx: PhaseContext, delayMs: number): Promise<void> {
  const scratch = await scratchDir('slow');
  const removeDir = ctx.onCleanup(scratch.remove);
  const lighttpd = await startLighttpdDeployments(scratch.probeDir, delayMs);
  const stop = ctx.onCleanup(lighttpd.stop);
  try {
    const serve = lighttpd.deployments.find((d) => d.key === 'serve-fcgi');
    if (serve === undefined) throw new Error('no serve --fastcgi deployment');
    ctx.log(`slow disk (+${delayMs} ms per commit)`);
    const pair = await publishPair(ctx, serve);
    ctx.results.slowDisk = { delayMs, ...pair };
  } finally {
    await stop();
    await removeDir();
  }
}

export type { PhaseContext } from './measure.js';

/** An error's message, for the results. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
