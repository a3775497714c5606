import { DEPLOYMENT_LABELS } from './deployments.js';
import type { FanoutResult } from './fanout.js';
import type { Row, TargetResult } from './report.js';
import { formatNumber } from './report.js';
import type { Results } from './results.js';

/** The fan-out rows: one per deployment and consumer count, delivery p50 as the figure. */
export function fanoutRows(results: Results): Row[] {
  const fanout = results.fanout;
  if (fanout === undefined) return [];
  const rows: Row[] = fanout.map((r) => ({
    id: `fanout.${r.deployment}.${r.consumers}${r.publisher === 'other' ? '.cross' : ''}`,
    measurement: `fan-out: delivery p50, ${r.consumers} long-polling consumer${r.consumers === 1 ? '' : 's'}, ${formatNumber(r.rate)} msg/s${r.publisher === 'other' ? ', published through another process' : ''}`,
    deployment: DEPLOYMENT_LABELS[r.deployment],
    value: r.consumers === 0 ? undefined : r.deliveryP50Ms,
    unit: 'ms',
    note: noteOf(r),
  }));
  const idle = results.fanoutIdle;
  if (idle !== undefined) {
    rows.push({
      id: 'fanout.idle', measurement: `idle: server CPU with ${idle.consumers} consumers waiting, nothing published`, deployment: DEPLOYMENT_LABELS[idle.deployment],
      value: idle.cpuShare * 100, unit: '% of a core',
      note: `over ${formatNumber(idle.seconds)} s${idle.pollsPerSecond === undefined ? '' : `; ${formatNumber(idle.pollsPerSecond)} data_version polls/s`}`,
    });
  }
  return rows;
}

function noteOf(r: FanoutResult): string {
  const parts = r.consumers === 0 ? ['publisher alone'] : [
    `p99 ${formatNumber(r.deliveryP99Ms)} ms`,
    r.isComplete ? `all ${formatNumber(r.consumers * r.published)} deliveries once, in order` : `INCOMPLETE: ${r.incomplete} consumers short, ${r.misordered} out of order`,
    `${formatNumber(r.cpuMicrosPerDelivery)} µs CPU/delivery`,
  ];
  parts.push(`201 p50 ${formatNumber(r.publishP50Ms)} ms`, `${r.published} published`, `server CPU ${formatNumber(r.cpuShare * 100)}% of a core`);
  if (r.readsPerCommit !== undefined) parts.push(`${formatNumber(r.readsPerCommit)} DB reads/commit (${formatNumber(r.rowReadsPerCommit)} of rows)`);
  if (r.pollsPerSecond !== undefined) parts.push(`${formatNumber(r.pollsPerSecond)} data_version polls/s`);
  parts.push(`RSS ${formatNumber(r.rssMB)} MB (peak ${formatNumber(r.peakRssMB)})`);
  const errors = Object.entries(r.errors).map(([k, n]) => `${n}×${k}`);
  if (errors.length > 0) parts.push(`errors: ${errors.join(', ')}`);
  return parts.join('; ');
}

/** Issue 12's fan-out targets at 1,000 consumers, on both deployments; n/a when not run. */
export function fanoutTargets(results: Results): TargetResult[] {
  const fanout = results.fanout ?? [];
  const at = (deployment: string, consumers: number): FanoutResult | undefined => fanout.find((r) => r.deployment === deployment && r.consumers === consumers && r.publisher === 'same');
  const checks: Array<{ target: string; figure: (r: FanoutResult, d: string) => number | undefined; isMet: (x: number) => boolean; show: (x: number) => string }> = [
    { target: 'Fan-out, 1,000 consumers: every consumer gets every message once, in order', figure: (r) => (r.isComplete ? 1 : 0), isMet: (x) => x === 1, show: (x) => (x === 1 ? 'yes' : 'no') },
    { target: 'Fan-out, 1,000 consumers: delivery p50 < 50 ms', figure: (r) => r.deliveryP50Ms, isMet: (x) => x < 50, show: (x) => `${formatNumber(x)} ms` },
    { target: 'Fan-out, 1,000 consumers: delivery p99 < 250 ms', figure: (r) => r.deliveryP99Ms, isMet: (x) => x < 250, show: (x) => `${formatNumber(x)} ms` },
    { target: 'Fan-out, 1,000 consumers: publisher 201 p50 within 2× of no consumers', figure: (r, d) => r.publishP50Ms / (at(d, 0)?.publishP50Ms ?? Number.NaN), isMet: (x) => x <= 2, show: (x) => `${formatNumber(x)}×` },
    { target: 'Fan-out, 1,000 consumers: AtomMQ CPU per delivery ≤ 50 µs', figure: (r) => r.cpuMicrosPerDelivery, isMet: (x) => x <= 50, show: (x) => `${formatNumber(x)} µs` },
    { target: 'Fan-out: DB reads per commit the same at 1 and 1,000 consumers (±0.5)', figure: (r, d) => Math.abs((r.readsPerCommit ?? Number.NaN) - (at(d, 1)?.readsPerCommit ?? Number.NaN)), isMet: (x) => x <= 0.5, show: (x) => `Δ ${formatNumber(x)}` },
  ];
  const results12 = checks.map((check) => {
    const figures = ['http', 'serve-fcgi'].map((d) => {
      const row = at(d, 1000);
      return { d, x: row === undefined ? undefined : check.figure(row, d) };
    });
    const measured = figures.map((f) => `${f.d}: ${f.x === undefined || Number.isNaN(f.x) ? 'n/a' : check.show(f.x)}`).join(', ');
    if (figures.some((f) => f.x === undefined || Number.isNaN(f.x))) return { target: check.target, measured, status: 'n/a' as const };
    return { target: check.target, measured, status: figures.every((f) => check.isMet(f.x ?? Number.NaN)) ? 'met' as const : 'missed' as const };
  });
  const cross = fanout.find((r) => r.publisher === 'other');
  results12.push(cross === undefined ? { target: CROSS, measured: 'n/a', status: 'n/a' }
    : { target: CROSS, measured: `${formatNumber(cross.deliveryP50Ms)} ms`, status: cross.isComplete && cross.deliveryP50Ms < 50 ? 'met' : 'missed' });
  const idle = results.fanoutIdle;
  results12.push(idle === undefined ? { target: IDLE, measured: 'n/a', status: 'n/a' }
    : { target: IDLE, measured: `${formatNumber(idle.cpuShare * 100)}%`, status: idle.cpuShare < 0.005 ? 'met' : 'missed' });
  return results12;
}

const CROSS = 'Across processes: publish-to-delivery median < 50 ms';
const IDLE = 'Idle server with waiting consumers: < 0.5% of a core';
