import type { Deployment } from './deployments.js';
import { scratchDir, startHttpDeployment, startLighttpdDeployments } from './deployments.js';
import { holdConsumers, publishOne, quantile, runFanout } from './fanout-load.js';
import { startServeHttp } from '../test/support/processes.js';
import type { PhaseContext } from './measure.js';
import type { CommitCounters } from './procfs.js';
import { cpuMicros, openDescriptors, peakRssMB, readCommitCounters, rssMB } from './procfs.js';

/** Consumers per fan-out row; 0 is the publisher alone, the baseline of its 201 latency. */
export const FANOUT_CONSUMERS = [0, 1, 100, 1000] as const;

/** One fan-out row: what the consumers saw and what the AtomMQ process spent. */
export interface FanoutResult {
  readonly deployment: 'http' | 'serve-fcgi';
  /** 'other': the publisher POSTs to a second process on the same database. */
  readonly publisher: 'same' | 'other';
  readonly consumers: number;
  readonly rate: number;
  readonly seconds: number;
  readonly published: number;
  readonly publishP50Ms: number;
  readonly deliveryP50Ms: number;
  readonly deliveryP99Ms: number;
  /** Every consumer got every message once, in order. */
  readonly isComplete: boolean;
  readonly misordered: number;
  readonly incomplete: number;
  /** CPU of the AtomMQ process (user + system) per delivered message, µs. */
  readonly cpuMicrosPerDelivery: number;
  /** CPU of the AtomMQ process over the publishing window, as a share of one core. */
  readonly cpuShare: number;
  /** Database queries per commit: log rows and feed rows (data_version polls apart). */
  readonly readsPerCommit: number | undefined;
  readonly rowReadsPerCommit: number | undefined;
  readonly pollsPerSecond: number | undefined;
  readonly rssMB: number;
  readonly peakRssMB: number;
  readonly errors: Record<string, number>;
}

/** An idle server holding long polls: what it spends while nothing is published. */
export interface FanoutIdle {
  readonly deployment: 'http';
  readonly consumers: number;
  readonly seconds: number;
  readonly cpuShare: number;
  readonly pollsPerSecond: number | undefined;
}

/** Consumers of the idle and cross-process rows. */
const SIDE_CONSUMERS = 100;

/**
 * Fan-out rows over `atommq serve` HTTP and lighttpd → `atommq serve --fastcgi`, one feed each;
 * then, over HTTP, the idle cost of waiting consumers and delivery across processes.
 */
export async function fanoutPhase(ctx: PhaseContext, rate: number, seconds: number, counts: readonly number[] = FANOUT_CONSUMERS): Promise<void> {
  const results: FanoutResult[] = [];
  ctx.results.fanout = results;
  {
    const scratch = await scratchDir('fanout-http');
    const removeDir = ctx.onCleanup(scratch.remove);
    const { deployment, stop } = await startHttpDeployment(scratch.dir, scratch.probeDir);
    const stopServer = ctx.onCleanup(stop);
    try {
      for (const consumers of counts) results.push(await fanoutRow(ctx, deployment, consumers, rate, seconds));
      ctx.results.fanoutIdle = await idleRow(ctx, deployment, seconds);
      // A second server on the same SQLite file takes the POSTs: the consumers' server learns of
      // them only as another head's commits (WAL change events, data_version).
      const other = await startServeHttp(['--dsn', `sqlite:${deployment.dbPath}`]);
      const stopOther = ctx.onCleanup(other.stop);
      try {
        results.push(await fanoutRow(ctx, deployment, SIDE_CONSUMERS, rate, seconds, `http://127.0.0.1:${other.port}/feeds/cross`));
      } finally {
        await stopOther();
      }
    } finally {
      await stopServer();
      await removeDir();
    }
  }
  const scratch = await scratchDir('fanout-lighttpd');
  const removeDir = ctx.onCleanup(scratch.remove);
  const lighttpd = await startLighttpdDeployments(scratch.probeDir);
  const stop = ctx.onCleanup(lighttpd.stop);
  try {
    const serve = lighttpd.deployments.find((d) => d.key === 'serve-fcgi');
    if (serve === undefined) throw new Error('no serve --fastcgi deployment');
    for (const consumers of counts) results.push(await fanoutRow(ctx, serve, consumers, rate, seconds));
  } finally {
    await stop();
    await removeDir();
  }
}

async function fanoutRow(ctx: PhaseContext, deployment: Deployment, consumers: number, rate: number, seconds: number, publishUrl?: string): Promise<FanoutResult> {
  const pid = deployment.pid();
  if (pid === undefined || deployment.probeDir === undefined) throw new Error(`${deployment.key}: no probed server process`);
  const probeDir = deployment.probeDir;
  const feedUrl = deployment.collectionUrl.replace(/\/feeds\/[^/]+$/, publishUrl === undefined ? `/feeds/fanout${consumers}` : '/feeds/cross');
  ctx.log(`fan-out ${deployment.key}, ${consumers} consumers, ${rate} messages/s for ${seconds} s${publishUrl === undefined ? '' : ', published through another process'}`);
  const startAfter = await publishOne(publishUrl ?? feedUrl, 'fanout-start');
  const fdsBefore = await settledDescriptors(pid);
  let before: { cpu: number; at: number; counters: CommitCounters | undefined } | undefined;
  let after: typeof before;
  const load = await runFanout({
    url: feedUrl, consumers, rate, seconds, startAfter, ...(publishUrl === undefined ? {} : { publishUrl }),
    whenWaiting: async () => {
      // Every waiting consumer holds one connection to the AtomMQ process (HTTP, or lighttpd's
      // FastCGI connection): wait until they are all there, then let the first polls settle.
      const deadline = Date.now() + 60_000;
      while (openDescriptors(pid) < fdsBefore + consumers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (consumers > 0 && openDescriptors(pid) < fdsBefore + consumers) throw new Error(`only ${openDescriptors(pid) - fdsBefore} of ${consumers} consumers reached the server`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      before = { cpu: cpuMicros(pid), at: performance.now(), counters: await readCommitCounters(pid, probeDir) };
    },
    onDelivered: () => { after = { cpu: cpuMicros(pid), at: performance.now(), counters: undefined }; },
  });
  const counters = await readCommitCounters(pid, probeDir);
  const rss = rssMB(pid);
  if (before === undefined || after === undefined) throw new Error('the fan-out load did not run');
  const delivered = load.deliveryMs.length;
  const cpu = after.cpu - before.cpu;
  const commits = counters !== undefined && before.counters !== undefined ? counters.commits - before.counters.commits : undefined;
  const perCommit = (pick: (c: CommitCounters) => number): number | undefined =>
    counters === undefined || before?.counters === undefined || commits === undefined || commits === 0 ? undefined : (pick(counters) - pick(before.counters)) / commits;
  const windowSeconds = (after.at - before.at) / 1000;
  return {
    deployment: deployment.key === 'http' ? 'http' : 'serve-fcgi', publisher: publishUrl === undefined ? 'same' : 'other', consumers, rate, seconds, published: load.published,
    publishP50Ms: quantile(load.publishMs, 0.5), deliveryP50Ms: quantile(load.deliveryMs, 0.5), deliveryP99Ms: quantile(load.deliveryMs, 0.99),
    isComplete: load.misordered === 0 && load.incomplete === 0 && delivered === load.expected,
    misordered: load.misordered, incomplete: load.incomplete,
    cpuMicrosPerDelivery: delivered === 0 ? Number.NaN : cpu / delivered, cpuShare: cpu / 1e6 / windowSeconds,
    readsPerCommit: perCommit((c) => c.rowReads + c.feedReads), rowReadsPerCommit: perCommit((c) => c.rowReads),
    pollsPerSecond: counters === undefined || before.counters === undefined ? undefined : (counters.polls - before.counters.polls) / windowSeconds,
    rssMB: rss, peakRssMB: peakRssMB(pid), errors: load.errors,
  };
}

/** CPU of a server holding long polls while nothing is published, over `seconds`. */
async function idleRow(ctx: PhaseContext, deployment: Deployment, seconds: number): Promise<FanoutIdle> {
  const pid = deployment.pid();
  if (pid === undefined || deployment.probeDir === undefined) throw new Error(`${deployment.key}: no probed server process`);
  const feedUrl = deployment.collectionUrl.replace(/\/feeds\/[^/]+$/, '/feeds/idle');
  ctx.log(`idle: ${SIDE_CONSUMERS} consumers waiting for ${seconds} s, nothing published`);
  const startAfter = await publishOne(feedUrl, 'idle-start');
  const fdsBefore = await settledDescriptors(pid);
  const release = holdConsumers(feedUrl, SIDE_CONSUMERS, startAfter);
  try {
    const deadline = Date.now() + 30_000;
    while (openDescriptors(pid) < fdsBefore + SIDE_CONSUMERS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // Past the TailStore's linger and the first polls' set-up.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const before = { cpu: cpuMicros(pid), at: performance.now(), counters: await readCommitCounters(pid, deployment.probeDir) };
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = { cpu: cpuMicros(pid), at: performance.now(), counters: await readCommitCounters(pid, deployment.probeDir) };
    const window = (after.at - before.at) / 1000;
    return {
      deployment: 'http', consumers: SIDE_CONSUMERS, seconds: window, cpuShare: (after.cpu - before.cpu) / 1e6 / window,
      pollsPerSecond: before.counters === undefined || after.counters === undefined ? undefined : (after.counters.polls - before.counters.polls) / window,
    };
  } finally {
    release();
  }
}

/**
 * The server's open descriptors once the previous row's connections are gone: lighttpd closes
 * its backend connections a little after the consumers leave, and counting them would make the
 * next row wait for consumers that are already there.
 */
async function settledDescriptors(pid: number): Promise<number> {
  let last = openDescriptors(pid);
  for (let tries = 0; tries < 50; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = openDescriptors(pid);
    if (now === last) return now;
    last = now;
  }
  return last;
}
