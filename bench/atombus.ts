import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isListening } from '../test/support/http.js';
import { startProcess } from '../test/support/processes.js';
import type { Running } from '../test/support/processes.js';
import { freePort, waitFor } from '../test/support/tools.js';
import type { PhaseContext } from './measure.js';
import { measurePublish, measureReads, topUp } from './measure.js';
import { findProcesses, peakRssMB } from './procfs.js';
import { scratchDir } from './deployments.js';

/** How many FCGI::ProcManager workers serve AtomBus by default (`--peer-workers` changes it). */
export const ATOMBUS_WORKERS = 4;

/** AtomBus 1.0405 behind lighttpd, through `plackup -s FCGI`. */
export interface AtomBusPeer {
  readonly port: number;
  /** The SQLite file AtomBus writes. */
  readonly dbPath: string;
  /** The FCGI::ProcManager manager process; its children are the workers. */
  readonly managerPid: number;
  stop(): Promise<void>;
}

/** Why AtomBus cannot run here, or undefined when it can. */
export function atomBusMissing(): string | undefined {
  const modules = ['AtomBus', 'Plack::Handler::FCGI', 'FCGI', 'FCGI::ProcManager'];
  for (const module of modules) {
    try {
      execFileSync('perl', [`-M${module}`, '-e1'], { stdio: 'ignore' });
    } catch {
      return `perl module ${module} is missing (apt-get install libatombus-perl libplack-perl libfcgi-perl libfcgi-procmanager-perl)`;
    }
  }
  for (const command of ['plackup', 'lighttpd']) {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    } catch {
      return `${command} is not installed`;
    }
  }
  return undefined;
}

/**
 * Starts AtomBus as its users ran it "for speed": `plackup -E deployment -s FCGI --listen SOCKET`
 * (deployment: no Lint, StackTrace or per-request access log) behind a lighttpd of our own,
 * both configs generated here. AtomBus reads its config when it is loaded, so the app sets it
 * in a BEGIN block before `use AtomBus`; page_size 1000 matches AtomMQ's default page.
 */
export async function startAtomBus(dir: string, workers = ATOMBUS_WORKERS): Promise<AtomBusPeer> {
  const dbPath = join(dir, 'atombus.db');
  const socket = join(dir, 'atombus.sock');
  const port = await freePort();
  const app = join(dir, 'app.psgi');
  await writeFile(app, [
    'use Dancer;',
    'BEGIN {',
    `    set atombus => { page_size => 1000, db => { dsn => 'dbi:SQLite:dbname=${dbPath}' } };`,
    '}',
    'use AtomBus;',
    'dance;',
    '',
  ].join('\n'));
  const config = join(dir, 'lighttpd-atombus.conf');
  await writeFile(config, [
    'server.modules += ( "mod_fastcgi" )',
    `server.document-root = "${dir}"`,
    `server.errorlog = "${join(dir, 'lighttpd-atombus-error.log')}"`,
    'server.bind = "127.0.0.1"',
    `server.port = ${port}`,
    'fastcgi.server = ( "/" => ((',
    `  "socket" => "${socket}",`,
    '  "check-local" => "disable",',
    '  "fix-root-scriptname" => "enable",',
    ')))',
    '',
  ].join('\n'));
  const pidFile = join(dir, 'plackup.pid');
  const plackup = startProcess('plackup', ['-E', 'deployment', '-s', 'FCGI', '--listen', socket, '--nproc', String(workers), '--pid', pidFile, app]);
  const running: Running[] = [plackup];
  const stop = async (): Promise<void> => {
    for (const r of running.reverse()) await r.stop();
  };
  try {
    await waitFor(`plackup FCGI socket (${plackup.stderr()})`, async () => existsSync(socket) && existsSync(pidFile), 20_000);
    const lighttpd = startProcess('lighttpd', ['-D', '-f', config]);
    running.push(lighttpd);
    await waitFor(`lighttpd for AtomBus on ${port} (${lighttpd.stderr()})`, () => isListening(port));
  } catch (error) {
    await stop();
    throw error;
  }
  const managerPid = Number((await readFile(pidFile, 'utf8')).trim());
  return { port, dbPath, managerPid, stop };
}

/** The `atom:id` of the entry `back` places before the newest one of an AtomBus feed. */
export async function atomBusIdFromEnd(dbPath: string, feed: string, back: number): Promise<{ id: string; count: number } | undefined> {
  const { SqliteConnection } = await import('../lib/storage/sqlite/connection.js');
  const db = await SqliteConnection.open(dbPath, 15_000);
  try {
    const [count] = await db.all('SELECT COUNT(*) AS n FROM atombus_entry WHERE feed_title = ?', [feed]);
    const [row] = await db.all('SELECT id FROM atombus_entry WHERE feed_title = ? ORDER BY order_id DESC LIMIT 1 OFFSET ?', [feed, back]);
    const n = typeof count === 'object' && count !== null && 'n' in count ? Number(count.n) : 0;
    return typeof row === 'object' && row !== null && 'id' in row && typeof row.id === 'string' ? { id: row.id, count: n } : undefined;
  } finally {
    await db.close();
  }
}

/** AtomBus behind lighttpd, under the same publish and read loads. */
export async function peerPhase(ctx: PhaseContext, workers = ATOMBUS_WORKERS): Promise<void> {
  const missing = atomBusMissing();
  if (missing !== undefined) {
    ctx.results.peer = { unavailable: `AtomBus not run: ${missing}` };
    return;
  }
  const scratch = await scratchDir('atombus');
  const removeDir = ctx.onCleanup(scratch.remove);
  const peer = await startAtomBus(scratch.dir, workers);
  const stop = ctx.onCleanup(peer.stop);
  try {
    const url = `http://127.0.0.1:${peer.port}/feeds/bench`;
    ctx.log('AtomBus: publish, 1 connection');
    const c1 = await measurePublish(url, 1, ctx.timing);
    ctx.log('AtomBus: publish, 16 connections');
    const c16 = await measurePublish(url, 16, ctx.timing);
    const workerProcesses = findProcesses((p) => p.ppid === peer.managerPid);
    const rssMB = Math.max(...workerProcesses.map((w) => peakRssMB(w.pid)));
    let cursor = await atomBusIdFromEnd(peer.dbPath, 'bench', 20);
    if (cursor === undefined || cursor.count < 1020) {
      await topUp(url, cursor?.count ?? 0, 1020);
      cursor = await atomBusIdFromEnd(peer.dbPath, 'bench', 20);
    }
    if (cursor === undefined) throw new Error('AtomBus feed has no entries');
    ctx.log(`AtomBus: reads (feed of ${cursor.count} entries)`);
    const reads = await measureReads(url, `start_after=${encodeURIComponent(cursor.id)}`, ctx.timing);
    ctx.results.peer = { workers, publish: { c1, c16 }, reads, rssMB };
  } finally {
    await stop();
    await removeDir();
  }
}
