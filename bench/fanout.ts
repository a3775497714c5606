import type { Deployment } from './deployments.js';
import { scratchDir, startHttpDeployment, startLighttpdDeployments } from './deployments.js';
import { publishOne, quantile, runFanout } from './fanout-load.js';
import type { PhaseContext } from './measure.js';
import type { CommitCounters } from './procfs.js';
import { cpuMicros, openDescriptors, peakRssMB, readCommitCounters, rssMB } from './procfs.js';

/** Consumers per fan-out row; 0 is the publisher alone, the baseline of its 201 latency. */
export const FANOUT_CONSUMERS = [0, 1, 100, 1000] as const;

/** One fan-out row: what the consumers saw and what the AtomMQ process spent. */
export interface FanoutResult {
  readonly deployment: 'http' | 'serve-fcgi';
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

/** Fan-out rows over `atommq serve` HTTP and lighttpd → `atommq serve --fastcgi`, one feed each. */
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

async function fanoutRow(ctx: PhaseContext, deployment: Deployment, consumers: number, rate: number, seconds: number): Promise<FanoutResult> {
  const pid = deployment.pid();
  if (pid === undefined || deployment.probeDir === undefined) throw new Error(`${deployment.key}: no probed server process`);
  const probeDir = deployment.probeDir;
  const feedUrl = deployment.collectionUrl.replace(/\/feeds\/[^/]+$/, `/feeds/fanout${consumers}`);
  ctx.log(`fan-out ${deployment.key}, ${consumers} consumers, ${rate} messages/s for ${seconds} s`);
  const startAfter = await publishOne(feedUrl, 'fanout-start');
  const fdsBefore = openDescriptors(pid);
  let before: { cpu: number; at: number; counters: CommitCounters | undefined } | undefined;
  let after: typeof before;
  const load = await runFanout({
    url: feedUrl, consumers, rate, seconds, startAfter,
    whenWaiting: async () => {
      // Every waiting consumer holds one connection to the AtomMQ process (HTTP, or lighttpd's
      // FastCGI connection): wait until they are all there, then let the first polls settle.
      const deadline = Date.now() + 60_000;
      while (openDescriptors(pid) < fdsBefore + consumers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (openDescriptors(pid) < fdsBefore + consumers) throw new Error(`only ${openDescriptors(pid) - fdsBefore} of ${consumers} consumers reached the server`);
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
    deployment: deployment.key === 'http' ? 'http' : 'serve-fcgi', consumers, rate, seconds, published: load.published,
    publishP50Ms: quantile(load.publishMs, 0.5), deliveryP50Ms: quantile(load.deliveryMs, 0.5), deliveryP99Ms: quantile(load.deliveryMs, 0.99),
    isComplete: load.misordered === 0 && load.incomplete === 0 && delivered === load.expected,
    misordered: load.misordered, incomplete: load.incomplete,
    cpuMicrosPerDelivery: delivered === 0 ? Number.NaN : cpu / delivered, cpuShare: cpu / 1e6 / windowSeconds,
    readsPerCommit: perCommit((c) => c.rowReads + c.feedReads), rowReadsPerCommit: perCommit((c) => c.rowReads),
    pollsPerSecond: counters === undefined || before.counters === undefined ? undefined : (counters.polls - before.counters.polls) / windowSeconds,
    rssMB: rss, peakRssMB: peakRssMB(pid), errors: load.errors,
  };
}
