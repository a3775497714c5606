import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** One running process as /proc shows it. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly cmdline: string;
  readonly environ: string;
}

/** Every process for which `matches` holds; processes that vanish while being read are skipped. */
export function findProcesses(matches: (p: ProcessInfo) => boolean): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 follows the parenthesised command name, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const info = {
        pid: Number(name),
        ppid,
        cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(),
        environ: readFileSync(`/proc/${name}/environ`, 'utf8'),
      };
      if (matches(info)) found.push(info);
    } catch {
      // The process exited between readdir and read.
    }
  }
  return found;
}

/** The peak resident set size (VmHWM) of a process, in MB (10^6 bytes); NaN when it is gone. */
export function peakRssMB(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : (Number(match[1]) * 1024) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Transaction counters of a process running bench/commit-probe.js. */
export interface CommitCounters {
  readonly commits: number;
  readonly jobs: number;
  /** Queries of log rows, of feed rows, and data_version polls (0 from an older probe). */
  readonly rowReads: number;
  readonly feedReads: number;
  readonly polls: number;
}

/** Asks a probed process for its counters (SIGUSR2) and waits for the file it writes. */
export async function readCommitCounters(pid: number, probeDir: string): Promise<CommitCounters | undefined> {
  const file = join(probeDir, `${pid}.json`);
  await rm(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      if (statSync(file).size === 0) continue;
      const data: unknown = JSON.parse(await readFile(file, 'utf8'));
      if (typeof data === 'object' && data !== null && 'commits' in data && 'jobs' in data
        && typeof data.commits === 'number' && typeof data.jobs === 'number') {
        const count = (name: string): number => {
          const value: unknown = Reflect.get(data, name);
          return typeof value === 'number' ? value : 0;
        };
        return { commits: data.commits, jobs: data.jobs, rowReads: count('rowReads'), feedReads: count('feedReads'), polls: count('polls') };
      }
    } catch {
      // Not written yet.
    }
  }
  return undefined;
}

/** CPU time (user + system) a process has used so far, in µs; NaN when it is gone. */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields 14 and 15 (utime, stime) follow the parenthesised command name, in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** The resident set size now (VmRSS) of a process, in MB (10^6 bytes); NaN when it is gone. */
export function rssMB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? Number.NaN : (Number(match[1]) * 1024) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: Linux reports process times in 1/100 s on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** Open descriptors of a process; NaN when it is gone. */
export function openDescriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}
