import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { IS_CI, freePort, whichCommand } from '../support/tools.js';

const run = promisify(execFile);

/**
 * A disposable PostgreSQL cluster (Debian's postgresql-common), so that a test may restart and
 * crash its server without disturbing the shared one other tests use. Loopback only, trust auth.
 */
export interface PgCluster {
  readonly dsn: string;
  /** `pg_ctlcluster restart -m fast`: sessions are terminated, the server shuts down cleanly. */
  restart(): Promise<void>;
  /** `stop -m immediate` (no shutdown checkpoint: a crash, recovered from the WAL), then `start`. */
  crashAndStart(): Promise<void>;
  /** Stops and deletes the cluster. */
  drop(): Promise<void>;
}

/**
 * Creates and starts a cluster on a free port. Without the tools or root, the test is skipped
 * with the reason printed; under CI=true that fails it instead.
 */
export async function createPgCluster(t: TestContext): Promise<PgCluster | undefined> {
  const missing = ['pg_createcluster', 'pg_ctlcluster', 'pg_dropcluster'].filter((tool) => whichCommand(tool) === undefined);
  const version = newestInstalledVersion();
  const reason = missing.length > 0 ? `${missing.join(', ')} not installed (Debian's postgresql-common)`
    : version === undefined ? 'no PostgreSQL server under /usr/lib/postgresql'
      : process.getuid?.() !== 0 ? 'creating a PostgreSQL cluster needs root' : undefined;
  if (reason !== undefined || version === undefined) {
    const why = `a disposable PostgreSQL cluster is unavailable: ${reason ?? 'unknown'}`;
    if (IS_CI) throw new Error(`CI=true, so this test must run; ${why}`);
    process.stderr.write(`# skipped: ${why}\n`);
    t.skip(why);
    return undefined;
  }
  const name = `atommq_crash_${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const ctl = (...args: string[]): Promise<unknown> => run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, ...args]);
  await run('pg_createcluster', [version, name, '-p', String(port), '--', '--auth-host=trust', '--auth-local=trust']);
  const drop = async (): Promise<void> => { await run('pg_dropcluster', ['--stop', version, name]); };
  try {
    await ctl('start');
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return {
    dsn: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => { await ctl('restart', '-m', 'fast'); },
    crashAndStart: async () => {
      await ctl('stop', '-m', 'immediate');
      await ctl('start');
    },
    drop,
  };
}

function newestInstalledVersion(): string | undefined {
  try {
    return readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  } catch {
    return undefined;
  }
}
