import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PhaseContext } from './phases.js';
import { ATOMBUS_WORKERS, peerPhase } from './atombus.js';
import { databasesPhase } from './databases.js';
import { measureFrontEndDelays, renderFrontEndDelays } from './front-ends.js';
import { fanOutPhase } from './fan-out.js';
import { FANOUT_CONSUMERS, fanoutPhase } from './fanout.js';
import { fanoutRows, fanoutTargets } from './fanout-rows.js';
import { backlogPhase, httpPhase, lighttpdPhase, measureCeiling, messageOf, slowDiskPhase } from './phases.js';
import { renderTable, renderTargets } from './report.js';
import type { Results } from './results.js';
import { buildRows } from './rows.js';
import { evaluateTargets } from './targets.js';

/**
 * `npm run bench [-- --peer atombus]`: every AtomMQ deployment under bounded loopback loads
 * (issue 6), optionally side by side with AtomBus. Prints a markdown table and the targets, and
 * writes bench/results/latest.json. Progress goes to stderr.
 */
const USAGE = `usage: npm run bench -- [--peer atombus] [--peer-workers N] [--seconds N] [--warmup N] [--big-entries N]
                       [--cgi-runs N] [--slow-commit-ms N] [--fanout-rate N] [--fanout-seconds N]
                       [--fanout-consumers N,…] [--skip PHASE,…] [--only PHASE,…]
phases: fsync.start, http, lighttpd, peer, backlog, databases, slow-disk, front-ends, fan-out (SSE),
        fanout (long polls), fsync.end`;

const OPTIONS = {
  peer: { type: 'string' }, seconds: { type: 'string' }, warmup: { type: 'string' }, 'big-entries': { type: 'string' },
  'cgi-runs': { type: 'string' }, 'peer-workers': { type: 'string' }, 'slow-commit-ms': { type: 'string' }, skip: { type: 'string' },
  only: { type: 'string' }, 'fanout-rate': { type: 'string' }, 'fanout-seconds': { type: 'string' }, 'fanout-consumers': { type: 'string' }, help: { type: 'boolean' },
} as const;

/** The whole run must end within 10 minutes; this stops it (and everything it started) at 9.5. */
const WATCHDOG_MS = 570_000;
/** Long-poll rounds per front end: enough for a median, few enough to stay short. */
const FRONT_END_ROUNDS = 15;
const RESULTS_DIR = new URL('../../bench/results/', import.meta.url).pathname;

/** The commit measured, marked `+dirty` when lib/ has uncommitted changes; undefined outside git. */
function commitOf(): string | undefined {
  try {
    const cwd = new URL('../..', import.meta.url).pathname;
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'cgi-bin', 'lighttpd.conf.example'], { cwd, encoding: 'utf8' }).trim() !== '';
    return `${head}${dirty ? '+dirty' : ''}`;
  } catch {
    return undefined;
  }
}

function numberOption(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, not ${text}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.peer !== undefined && values.peer !== 'atombus') throw new Error(`--peer knows only atombus, not ${values.peer}`);
  const timing = { seconds: numberOption(values.seconds, 5, 'seconds'), warmupSeconds: numberOption(values.warmup, 1, 'warmup') };
  const bigEntries = numberOption(values['big-entries'], 1_000_000, 'big-entries');
  const cgiRuns = numberOption(values['cgi-runs'], 30, 'cgi-runs');
  const slowCommitMs = numberOption(values['slow-commit-ms'], 20, 'slow-commit-ms');
  const peerWorkers = numberOption(values['peer-workers'], ATOMBUS_WORKERS, 'peer-workers');
  const skip = new Set((values.skip ?? '').split(',').filter((s) => s !== ''));
  const only = new Set((values.only ?? '').split(',').filter((s) => s !== ''));
  const fanoutRate = numberOption(values['fanout-rate'], 5, 'fanout-rate');
  const fanoutSeconds = numberOption(values['fanout-seconds'], 8, 'fanout-seconds');
  const fanoutConsumers = values['fanout-consumers'] === undefined ? FANOUT_CONSUMERS : values['fanout-consumers'].split(',').map((n) => numberOption(n, 0, 'fanout-consumers'));

  const started = performance.now();
  const loadAtStart = loadavg();
  const log = (message: string): void => {
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
  };
  const cleanups = new Set<() => Promise<void>>();
  const cleanAll = async (): Promise<void> => {
    for (const cleanup of [...cleanups].reverse()) {
      cleanups.delete(cleanup);
      await cleanup().catch((error: unknown) => log(`cleanup failed: ${messageOf(error)}`));
    }
  };
  const abort = (why: string): void => {
    log(`${why}: stopping everything the benchmark started`);
    void cleanAll().finally(() => process.exit(1));
  };
  process.once('SIGINT', () => abort('interrupted'));
  process.once('SIGTERM', () => abort('terminated'));
  setTimeout(() => abort(`over the ${WATCHDOG_MS / 1000} s budget`), WATCHDOG_MS).unref();

  const results: Results = { fsync: {}, publish: {}, reads: {}, rss: {}, databases: {}, errors: {} };
  const ctx: PhaseContext = {
    timing, results, log,
    onCleanup: (cleanup) => {
      cleanups.add(cleanup);
      return async () => {
        if (cleanups.delete(cleanup)) await cleanup();
      };
    },
  };
  const phase = async (name: string, work: () => Promise<void>): Promise<void> => {
    if (skip.has(name) || (only.size > 0 && !only.has(name))) return;
    try {
      await work();
    } catch (error) {
      results.errors[name] = messageOf(error);
      log(`${name} failed: ${messageOf(error)}`);
    }
  };

  try {
    await phase('fsync.start', async () => {
      log('fsync ceiling (start)');
      results.fsync.start = await measureCeiling(3);
    });
    await phase('http', () => httpPhase(ctx));
    await phase('lighttpd', () => lighttpdPhase(ctx, cgiRuns));
    if (values.peer === 'atombus') await phase('peer', () => peerPhase(ctx, peerWorkers));
    await phase('backlog', () => backlogPhase(ctx, 1000, bigEntries));
    await phase('databases', () => databasesPhase(ctx));
    await phase('slow-disk', () => slowDiskPhase(ctx, slowCommitMs));
    await phase('front-ends', async () => {
      results.frontEnds = await measureFrontEndDelays(FRONT_END_ROUNDS, log);
    });
    await phase('fan-out', () => fanOutPhase(ctx));
    await phase('fanout', () => fanoutPhase(ctx, fanoutRate, fanoutSeconds, fanoutConsumers));
    await phase('fsync.end', async () => {
      log('fsync ceiling (end)');
      results.fsync.end = await measureCeiling(3);
    });
  } finally {
    await cleanAll();
  }

  const rows = [...buildRows(results), ...fanoutRows(results)];
  const targets = [...evaluateTargets(rows), ...fanoutTargets(results)];
  const hasPeer = results.peer !== undefined && 'publish' in results.peer;
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`\n## AtomMQ benchmark, ${new Date().toISOString()}\n\n`);
  const commit = commitOf();
  process.stdout.write(`\`${command}\`${commit === undefined ? '' : ` at ${commit}`} on ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}; `);
  const loadAtEnd = loadavg();
  process.stdout.write(`${timing.seconds} s per row after ${timing.warmupSeconds} s warm-up; finished in ${seconds.toFixed(0)} s; `);
  process.stdout.write(`load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')} at end\n\n`);
  // The benchmark's own processes load the machine too, so only the start tells of other work.
  if ((loadAtStart[0] ?? 0) > 1) {
    process.stdout.write(`**Warning:** the 1-minute load average was ${(loadAtStart[0] ?? 0).toFixed(2)} on ${cpus().length} CPUs when the run started: other work competed with it, so its figures are noisy.\n\n`);
  }
  process.stdout.write(`${renderTable(rows, hasPeer)}\n\n### Targets (issue 6)\n\n${renderTargets(targets)}\n`);
  if (results.frontEnds !== undefined) {
    process.stdout.write(`\n### Long-poll delay per front end (POST sent → consumer holds the entry)\n\n${renderFrontEndDelays(results.frontEnds)}\n`);
  }
  if (Object.keys(results.errors).length > 0) {
    process.stdout.write(`\n### Errors\n\n${Object.entries(results.errors).map(([k, v]) => `- ${k}: ${v}`).join('\n')}\n`);
  }

  await mkdir(RESULTS_DIR, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    command,
    commit: commit ?? null,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), kernel: release(), node: process.version, loadAtStart, loadAtEnd },
    options: { ...timing, bigEntries, cgiRuns, slowCommitMs, peer: values.peer ?? null, peerWorkers },
    durationSeconds: seconds,
    rows,
    targets,
    results,
  };
  await writeFile(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  log(`wrote ${join(RESULTS_DIR, 'latest.json')}`);
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
