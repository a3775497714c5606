import type { Row, TargetResult } from './report.js';
import { formatNumber, rowById, speedRatio } from './report.js';

/** A target, checked on one or several rows of the table. */
interface TargetSpec {
  readonly target: string;
  readonly rowIds: readonly string[];
  /** The figure compared, from one row. */
  readonly figure: (row: Row) => number | undefined;
  readonly isMet: (figure: number) => boolean;
  /** True for "at least" targets (more is better), false for "at most". */
  readonly atLeast: boolean;
  /** 'all': every row must meet it (the worst row decides); 'any': one row showing it suffices. */
  readonly combine?: 'all' | 'any';
  readonly describe: (figure: number) => string;
}

const ratio = (row: Row): number | undefined => speedRatio(row);
const value = (row: Row): number | undefined => row.value;
const FASTCGI = ['fcgi-bin', 'serve-fcgi'];
const LONG_LIVED = ['http', 'fcgi-bin', 'serve-fcgi'];

/** Issue 6's targets, each evaluated on this run. */
const TARGETS: readonly TargetSpec[] = [
  { target: 'Publish, 16 connections, FastCGI behind lighttpd: ≥ 10× AtomBus', rowIds: FASTCGI.map((k) => `publish.c16.${k}`), figure: ratio, atLeast: true, isMet: (x) => x >= 10, describe: (x) => `${formatNumber(x)}×` },
  { target: 'Publish, 1 connection (FastCGI): ≥ 10× AtomBus', rowIds: FASTCGI.map((k) => `publish.c1.${k}`), figure: ratio, atLeast: true, isMet: (x) => x >= 10, describe: (x) => `${formatNumber(x)}×` },
  { target: '20-entry page after a cursor, FastCGI behind lighttpd (1 connection): ≥ 50× AtomBus', rowIds: FASTCGI.map((k) => `read20.c1.${k}`), figure: ratio, atLeast: true, isMet: (x) => x >= 50, describe: (x) => `${formatNumber(x)}×` },
  { target: 'Full 1000-entry page (p50, long-lived deployments): ≤ 30 ms', rowIds: LONG_LIVED.map((k) => `fullpage.${k}`), figure: value, atLeast: false, isMet: (x) => x <= 30, describe: (x) => `${formatNumber(x)} ms` },
  { target: 'Cursor read on 1M entries: ≤ 1.3× its latency on 1k', rowIds: ['backlog.ratio'], figure: value, atLeast: false, isMet: (x) => x <= 1.3, describe: (x) => `${formatNumber(x)}×` },
  {
    target: 'One CGI request: ≤ 1.5× `node -e 0`', rowIds: ['cgi.direct', 'cgi.lighttpd'], atLeast: false, isMet: (x) => x <= 1.5, describe: (x) => `${formatNumber(x)}×`,
    figure: (row) => row.value, // divided by node -e 0 below
  },
  { target: 'Batch publish, 1000-entry batches: ≥ 50,000 entries/s', rowIds: ['batch.1000.c1', 'batch.1000.c4'], figure: value, atLeast: true, combine: 'any', isMet: (x) => x >= 50_000, describe: (x) => `${formatNumber(x)}/s` },
  { target: 'SSE fan-out, 1,000 subscribers at 20 messages/s: ≤ 15 µs server CPU per delivered message', rowIds: ['fanout.http'], figure: value, atLeast: false, isMet: (x) => x <= 15, describe: (x) => `${formatNumber(x)} µs` },
  { target: 'Server RSS under the publish load: ≤ 150 MB', rowIds: LONG_LIVED.map((k) => `rss.${k}`), figure: value, atLeast: false, isMet: (x) => x <= 150, describe: (x) => `${formatNumber(x)} MB` },
];

/** Evaluates every target; a target whose rows did not all run is n/a, never "met". */
export function evaluateTargets(rows: readonly Row[]): TargetResult[] {
  const nodeMs = rowById(rows, 'cgi.node')?.value;
  return TARGETS.map((spec) => {
    const figures = spec.rowIds.map((id) => {
      const row = rowById(rows, id);
      if (row === undefined) return { id, figure: undefined };
      const raw = spec.figure(row);
      const figure = id.startsWith('cgi.') ? (raw === undefined || nodeMs === undefined ? undefined : raw / nodeMs) : raw;
      return { id, figure };
    });
    const measured = figures.map((f) => `${f.id.split('.').at(-1) ?? f.id}: ${f.figure === undefined ? 'n/a' : spec.describe(f.figure)}`).join(', ');
    if (figures.some((f) => f.figure === undefined || Number.isNaN(f.figure))) return { target: spec.target, measured, status: 'n/a' };
    const values = figures.map((f) => f.figure ?? 0);
    const takeSmallest = spec.atLeast === ((spec.combine ?? 'all') === 'all');
    const deciding = takeSmallest ? Math.min(...values) : Math.max(...values);
    return { target: spec.target, measured, status: spec.isMet(deciding) ? 'met' : 'missed' };
  });
}
