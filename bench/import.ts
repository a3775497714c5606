import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCommand } from '../lib/cli/import-command.js';
import { writeFeedFile } from '../test/client/import-run.js';
import { startLighttpd, startServeHttp } from '../test/support/processes.js';

/**
 * `atommq import` throughput: a feed file of ~300-byte entries imported in 1000-entry batches,
 * uninterrupted, over `atommq serve` HTTP, FastCGI behind lighttpd and CGI, each on a fresh
 * SQLite database. The import runs in this process, so its CPU is this process's; the server's
 * CPU is read from /proc (not for CGI, whose processes come and go).
 *
 * usage: npm run bench:import [-- --entries N] [--small N]   (HTTP gets N, FastCGI and CGI --small)
 */
const ENTRIES = argument('--entries', 100_000);
const SMALL = argument('--small', 10_000);

interface Row { deployment: string; entries: number; seconds: number; rate: number; clientCpuUs: number; serverCpuUs: number | undefined }

async function measure(deployment: string, feedUrl: string, entries: number, dir: string, serverPid: number | undefined): Promise<Row> {
  const file = join(dir, `export-${entries}.xml`);
  await writeFeedFile(file, entries);
  const serverBefore = serverPid === undefined ? 0 : cpuSeconds(serverPid);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const code = await importCommand([feedUrl, file, '--progress-file', join(dir, `${deployment.length}-${entries}.progress`)]);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${deployment}: atommq import exited ${code}`);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    deployment, entries, seconds, rate: entries / seconds,
    clientCpuUs: (cpu.user + cpu.system) / entries,
    serverCpuUs: serverPid === undefined ? undefined : ((cpuSeconds(serverPid) - serverBefore) * 1e6) / entries,
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-import-bench-'));
  const rows: Row[] = [];
  try {
    const http = await startServeHttp(['--dsn', `sqlite:${join(dir, 'http.db')}`]);
    try {
      rows.push(await measure('atommq serve (HTTP)', `http://127.0.0.1:${http.port}/feeds/imported`, ENTRIES, dir, http.child.pid));
    } finally {
      await http.stop();
    }
    const web = await startLighttpd({ dsn: `sqlite:${join(dir, 'web.db')}` });
    try {
      rows.push(await measure('FastCGI: lighttpd → atommq serve --fastcgi', `http://127.0.0.1:${web.port}/bus/feeds/imported`, SMALL, dir, web.servePid));
      rows.push(await measure('CGI, lighttpd mod_cgi', `http://127.0.0.1:${web.port}/cgi-bin/mycoolfeed`, SMALL, dir, undefined));
    } finally {
      await web.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const lines = ['| deployment | entries | time | entries/s | import CPU per entry | server CPU per entry |', '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.deployment} | ${r.entries} | ${r.seconds.toFixed(1)} s | ${Math.round(r.rate)} | ${r.clientCpuUs.toFixed(1)} µs | ${r.serverCpuUs === undefined ? '' : `${r.serverCpuUs.toFixed(1)} µs`} |`)];
  process.stdout.write(`${lines.join('\n')}\n`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/import.json', `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at < 0 ? undefined : Number(process.argv[at + 1]);
  return value !== undefined && Number.isSafeInteger(value) && value > 0 ? value : fallback;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
