import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLighttpd, startServeHttp } from '../test/support/processes.js';
import { findProcesses } from './procfs.js';

/** Which AtomMQ deployment a row measured. */
export type DeploymentKey = 'http' | 'fcgi-bin' | 'serve-fcgi' | 'cgi';

/** The labels used in the table. */
export const DEPLOYMENT_LABELS: Readonly<Record<DeploymentKey, string>> = {
  'http': 'atommq serve (HTTP)',
  'fcgi-bin': 'FastCGI, lighttpd bin-path',
  'serve-fcgi': 'FastCGI, lighttpd → atommq serve --fastcgi',
  'cgi': 'CGI, lighttpd mod_cgi',
};

/** One reachable AtomMQ feed. */
export interface Deployment {
  readonly key: DeploymentKey;
  /** The collection URL: POST publishes, GET reads. */
  readonly collectionUrl: string;
  /** The SQLite file behind it. */
  readonly dbPath: string;
  /** The feed's name, as the store keys it. */
  readonly feedName: string;
  /** The long-lived server process, when there is one (not for CGI). */
  pid(): number | undefined;
  /** Where the process's commit probe writes, when it runs one. */
  readonly probeDir: string | undefined;
}

/** The preload that counts commits (see commit-probe.ts). */
export const PROBE_IMPORT = new URL('./commit-probe.js', import.meta.url).href;

/** Environment that loads the commit probe into one `atommq serve` process. */
export function probeEnv(probeDir: string, commitDelayMs = 0): Record<string, string> {
  return {
    NODE_OPTIONS: `--import=${PROBE_IMPORT}`,
    ATOMMQ_BENCH_PROBE_DIR: probeDir,
    ...(commitDelayMs > 0 ? { ATOMMQ_BENCH_COMMIT_DELAY_MS: String(commitDelayMs) } : {}),
  };
}

/** A scratch directory the caller removes with the returned function. */
export async function scratchDir(prefix: string): Promise<{ dir: string; probeDir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `atommq-bench-${prefix}-`));
  const probeDir = join(dir, 'probe');
  await mkdir(probeDir);
  return { dir, probeDir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `atommq serve --port P --dsn sqlite:<dir>/x.db`, with the commit probe; or on a database
 * server's `dsn`, without it (the probe counts SQLite transactions only).
 */
export async function startHttpDeployment(dir: string, probeDir: string, dsn?: string): Promise<{ deployment: Deployment; stop(): Promise<void> }> {
  const dbPath = join(dir, 'x.db');
  const serve = await startServeHttp(['--dsn', dsn ?? `sqlite:${dbPath}`], dsn === undefined ? probeEnv(probeDir) : {});
  return {
    deployment: {
      key: 'http', collectionUrl: `http://127.0.0.1:${serve.port}/feeds/bench`, dbPath, feedName: 'bench',
      pid: () => serve.child.pid, probeDir: dsn === undefined ? probeDir : undefined,
    },
    stop: serve.stop,
  };
}

/**
 * lighttpd.conf.example rendered and started exactly as the test suite does it (startLighttpd):
 * CGI at /cgi-bin/mycoolfeed, lighttpd-spawned FastCGI at /fcgi/mycoolfeed, and
 * `atommq serve --fastcgi` at /bus. All three share one SQLite file. Only the serve process can
 * take the commit probe: lighttpd passes the bin-path and CGI children PATH and ATOMMQ_DSN only.
 */
export async function startLighttpdDeployments(probeDir: string, commitDelayMs = 0): Promise<{ deployments: Deployment[]; port: number; stateDir: string; stop(): Promise<void> }> {
  const saved = { ...process.env };
  Object.assign(process.env, probeEnv(probeDir, commitDelayMs));
  let lighttpd: Awaited<ReturnType<typeof startLighttpd>>;
  try {
    lighttpd = await startLighttpd();
  } finally {
    for (const name of ['NODE_OPTIONS', 'ATOMMQ_BENCH_PROBE_DIR', 'ATOMMQ_BENCH_COMMIT_DELAY_MS']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
  const { port, stateDir } = lighttpd;
  const dbPath = join(stateDir, 'atommq.db');
  const base = `http://127.0.0.1:${port}`;
  const servePid = (): number | undefined =>
    findProcesses((p) => p.cmdline.includes(`--fastcgi ${join(stateDir, 'atommq.sock')}`))[0]?.pid;
  const binPid = (): number | undefined =>
    findProcesses((p) => p.cmdline.endsWith('cgi-bin/mycoolfeed') && p.environ.includes(`ATOMMQ_DSN=sqlite:${dbPath}\0`)
      && !p.environ.includes('GATEWAY_INTERFACE='))[0]?.pid;
  const deployments: Deployment[] = [
    { key: 'fcgi-bin', collectionUrl: `${base}/fcgi/mycoolfeed`, dbPath, feedName: 'MyCoolFeed', pid: binPid, probeDir: undefined },
    { key: 'serve-fcgi', collectionUrl: `${base}/bus/feeds/bench`, dbPath, feedName: 'bench', pid: servePid, probeDir },
    { key: 'cgi', collectionUrl: `${base}/cgi-bin/mycoolfeed`, dbPath, feedName: 'MyCoolFeed', pid: () => undefined, probeDir: undefined },
  ];
  return { deployments, port, stateDir, stop: lighttpd.stop };
}
