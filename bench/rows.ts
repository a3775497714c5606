import type { DeploymentKey } from './deployments.js';
import { DEPLOYMENT_LABELS } from './deployments.js';
import type { ThroughputResult } from './load.js';
import type { PublishResult } from './measure.js';
import { BATCH_CONNECTIONS, BATCH_SIZES } from './phases.js';
import type { Row } from './report.js';
import { formatNumber } from './report.js';
import type { Results } from './results.js';

const KEYS: readonly DeploymentKey[] = ['http', 'fcgi-bin', 'serve-fcgi', 'cgi'];

/** The mean of the fsync ceilings measured at the start and at the end of the run. */
export function ceilingOf(results: Results): number | undefined {
  const values = [results.fsync.start?.perSecond, results.fsync.end?.perSecond].filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
}

function failures(load: ThroughputResult): string | undefined {
  if (load.failed === 0) return undefined;
  const codes = Object.entries(load.statuses).filter(([code]) => !code.startsWith('2')).map(([code, n]) => `${n}×${code}`);
  return `${load.failed} failed${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
}

function publishNote(result: PublishResult, ceiling: number | undefined): string {
  const parts: string[] = [];
  if (ceiling !== undefined) parts.push(`${formatNumber(result.load.perSecond / ceiling)}× fsync ceiling`);
  if (result.counters !== undefined) {
    parts.push(`${formatNumber(result.counters.perSecond)} commits/s, ${formatNumber(result.counters.entriesPerCommit)} entries/commit`);
  }
  parts.push(`p99 ${formatNumber(result.load.latencyP99Ms)} ms`);
  const failed = failures(result.load);
  if (failed !== undefined) parts.push(failed);
  return parts.join('; ');
}

/** Derives the table from one run's results. */
export function buildRows(results: Results): Row[] {
  const rows: Row[] = [];
  const ceiling = ceilingOf(results);
  const peer = results.peer !== undefined && 'publish' in results.peer ? results.peer : undefined;
  const peerNote = results.peer !== undefined && 'unavailable' in results.peer ? results.peer.unavailable : undefined;

  for (const [connections, pick] of [[1, 'c1'], [16, 'c16']] as const) {
    for (const key of KEYS) {
      const pair = results.publish[key];
      rows.push({
        id: `publish.${pick}.${key}`, measurement: `publish/s, ${connections} connection${connections > 1 ? 's' : ''}`,
        deployment: DEPLOYMENT_LABELS[key], value: pair?.[pick].load.perSecond, unit: '/s',
        peer: peer?.publish[pick].load.perSecond,
        note: pair === undefined ? results.errors[`publish.${key}`] ?? results.errors['lighttpd'] ?? 'not run' : publishNote(pair[pick], ceiling),
      });
    }
  }

  const batch = results.batch;
  for (const size of BATCH_SIZES) {
    for (const connections of BATCH_CONNECTIONS) {
      const load = batch !== undefined && 'perBatch' in batch ? batch.perBatch[`${size}x${connections}`] : undefined;
      rows.push({
        id: `batch.${size}.c${connections}`, measurement: `batch publish entries/s, ${size} per POST, ${connections} connection${connections > 1 ? 's' : ''}`,
        deployment: DEPLOYMENT_LABELS.http, value: load === undefined ? undefined : load.perSecond * size, unit: '/s',
        note: batch !== undefined && 'unavailable' in batch ? batch.unavailable : load === undefined ? results.errors['http'] ?? 'not run'
          : [`${formatNumber(load.perSecond)} POSTs/s`, `p99 ${formatNumber(load.latencyP99Ms)} ms`, failures(load)].filter((s) => s !== undefined).join('; '),
      });
    }
  }

  for (const key of KEYS) {
    const reads = results.reads[key];
    const label = DEPLOYMENT_LABELS[key];
    const missing = results.errors[`reads.${key}`] ?? 'not run';
    rows.push({
      id: `read20.c1.${key}`, measurement: 'read/s, 20-entry page after a cursor, 1 connection', deployment: label,
      value: reads?.cursor1.perSecond, unit: '/s', peer: peer?.reads.cursor1.perSecond,
      note: reads === undefined ? missing : `p50 ${formatNumber(reads.cursor1.p50Ms)} ms, p99 ${formatNumber(reads.cursor1.p99Ms)} ms; ${reads.shape.cursorEntries} entries/page`,
    });
    rows.push({
      id: `read20.c16.${key}`, measurement: 'read/s, 20-entry page after a cursor, 16 connections', deployment: label,
      value: reads?.cursor16.perSecond, unit: '/s', peer: peer?.reads.cursor16.perSecond,
      note: reads === undefined ? missing : failures(reads.cursor16),
    });
  }
  if (results.readAtomId !== undefined) {
    rows.push({
      id: 'read20.c1.fcgi-bin.atomid', measurement: 'read/s, 20-entry page after an atom:id cursor, 1 connection', deployment: DEPLOYMENT_LABELS['fcgi-bin'],
      value: results.readAtomId.perSecond, unit: '/s', peer: peer?.reads.cursor1.perSecond,
      note: `start_after=urn:uuid:…, as AtomBus clients send it; p50 ${formatNumber(results.readAtomId.p50Ms)} ms`,
    });
  }
  for (const key of KEYS) {
    const reads = results.reads[key];
    rows.push({
      id: `fullpage.${key}`, measurement: 'latency of a full 1000-entry page (p50)', deployment: DEPLOYMENT_LABELS[key],
      value: reads?.fullPage.p50Ms, unit: 'ms', peer: peer?.reads.fullPage.p50Ms,
      note: reads === undefined ? results.errors[`reads.${key}`] ?? 'not run'
        : `${reads.shape.fullEntries} entries, ${formatNumber(reads.shape.fullBytes / 1e3)} kB; p99 ${formatNumber(reads.fullPage.p99Ms)} ms; ${reads.fullPage.samples} samples`,
    });
  }

  const backlog = results.backlog;
  const backlogNote = results.errors['backlog'] ?? 'not run';
  rows.push({ id: 'backlog.small', measurement: `cursor read near the end, ${formatNumber(backlog?.smallEntries ?? 1000)}-entry feed (p50)`, deployment: DEPLOYMENT_LABELS.http, value: backlog?.small.p50Ms, unit: 'ms', note: backlog === undefined ? backlogNote : `p99 ${formatNumber(backlog.small.p99Ms)} ms` });
  rows.push({ id: 'backlog.big', measurement: `cursor read near the end, ${formatNumber(backlog?.bigEntries ?? 1_000_000)}-entry feed (p50)`, deployment: DEPLOYMENT_LABELS.http, value: backlog?.big.p50Ms, unit: 'ms', note: backlog === undefined ? backlogNote : `p99 ${formatNumber(backlog.big.p99Ms)} ms; filled by INSERT…SELECT over a recursive CTE in ${formatNumber(backlog.fillSeconds)} s` });
  rows.push({ id: 'backlog.ratio', measurement: 'backlog scaling: big ÷ small cursor-read latency', deployment: DEPLOYMENT_LABELS.http, value: backlog === undefined ? undefined : backlog.big.p50Ms / backlog.small.p50Ms, unit: '×' });

  const cgi = results.cgiCost;
  const cgiNote = results.errors['cgi-cost'] ?? 'not run';
  rows.push({ id: 'cgi.node', measurement: '`node -e 0` (median)', deployment: 'process start only', value: cgi?.nodeMs, unit: 'ms', note: cgi === undefined ? cgiNote : `${cgi.runs} runs, interleaved with the two rows below` });
  rows.push({ id: 'cgi.direct', measurement: 'one CGI request, script spawned directly (median)', deployment: 'cgi-bin/mycoolfeed', value: cgi?.directMs, unit: 'ms', note: cgi === undefined ? cgiNote : `${formatNumber(cgi.directMs / cgi.nodeMs)}× node -e 0; GET of a 20-entry page after a cursor` });
  rows.push({ id: 'cgi.lighttpd', measurement: 'one CGI request through lighttpd (median)', deployment: DEPLOYMENT_LABELS.cgi, value: cgi?.lighttpdMs, unit: 'ms', note: cgi === undefined ? cgiNote : `${formatNumber(cgi.lighttpdMs / cgi.nodeMs)}× node -e 0${cgi.failed > 0 ? `; ${cgi.failed} failed` : ''}` });

  for (const key of ['http', 'fcgi-bin', 'serve-fcgi'] as const) {
    const rss = results.rss[key];
    rows.push({
      id: `rss.${key}`, measurement: 'peak RSS under the publish load (VmHWM)', deployment: DEPLOYMENT_LABELS[key], value: rss?.afterPublishMB, unit: 'MB',
      note: [
        rss === undefined ? 'not measured' : rss.afterReadsMB === undefined ? undefined : `${formatNumber(rss.afterReadsMB)} MB after the read rows too`,
        peer === undefined ? undefined : `AtomBus: ${formatNumber(peer.rssMB)} MB per worker, ${peer.workers} workers`,
      ].filter((s) => s !== undefined).join('; '),
    });
  }

  for (const [when, ceilingRow] of [['start', results.fsync.start], ['end', results.fsync.end]] as const) {
    rows.push({ id: `fsync.${when}`, measurement: `fsync ceiling: durable single-row SQLite commits/s (${when} of run)`, deployment: 'same disk, WAL, synchronous=FULL', value: ceilingRow?.perSecond, unit: '/s', note: ceilingRow === undefined ? results.errors[`fsync.${when}`] ?? 'not run' : `${ceilingRow.commits} commits in ${formatNumber(ceilingRow.seconds)} s` });
  }

  for (const dialect of ['sqlite', 'postgres', 'mysql'] as const) {
    const db = results.databases[dialect];
    const name = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MariaDB' }[dialect];
    for (const [connections, pick] of [[1, 'c1'], [16, 'c16']] as const) {
      const load = db !== undefined && 'c1' in db ? db[pick] : undefined;
      rows.push({
        id: `db.${pick}.${dialect}`, measurement: `publish/s per database, ${connections} publisher${connections > 1 ? 's' : ''}`, deployment: `${DEPLOYMENT_LABELS.http} on ${name}`,
        value: load?.perSecond, unit: '/s',
        note: db === undefined ? results.errors[`db.${dialect}`] ?? 'not run' : 'unavailable' in db ? db.unavailable
          : [dialect === 'sqlite' ? 'the serve (HTTP) publish rows above' : undefined, failures(db[pick]), `p99 ${formatNumber(db[pick].latencyP99Ms)} ms`].filter((s) => s !== undefined).join('; '),
      });
    }
    if (dialect === 'sqlite') continue; // SQLite's cursor reads are the serve (HTTP) read rows above
    const reads = db !== undefined && 'c1' in db ? db.reads : undefined;
    const why = db === undefined ? results.errors[`db.${dialect}`] ?? 'not run' : 'unavailable' in db ? db.unavailable : 'not run';
    rows.push({
      id: `db.read20.c1.${dialect}`, measurement: 'read/s per database, 20-entry page after a cursor, 1 connection', deployment: `${DEPLOYMENT_LABELS.http} on ${name}`,
      value: reads?.cursor1.perSecond, unit: '/s',
      note: reads === undefined ? why : `p50 ${formatNumber(reads.cursor1.p50Ms)} ms, p99 ${formatNumber(reads.cursor1.p99Ms)} ms; ${reads.shape.cursorEntries} entries/page`,
    });
    rows.push({
      id: `db.read20.c16.${dialect}`, measurement: 'read/s per database, 20-entry page after a cursor, 16 connections', deployment: `${DEPLOYMENT_LABELS.http} on ${name}`,
      value: reads?.cursor16.perSecond, unit: '/s', note: reads === undefined ? why : failures(reads.cursor16),
    });
  }

  const slow = results.slowDisk;
  for (const [connections, pick] of [[1, 'c1'], [16, 'c16']] as const) {
    rows.push({
      id: `slow.${pick}`, measurement: `publish/s on a slow disk (+${slow?.delayMs ?? '?'} ms per commit), ${connections} connection${connections > 1 ? 's' : ''}`,
      deployment: DEPLOYMENT_LABELS['serve-fcgi'], value: slow?.[pick].load.perSecond, unit: '/s',
      note: slow === undefined ? results.errors['slow-disk'] ?? 'not run'
        : `one commit per message could do ≤ ${formatNumber(1000 / slow.delayMs)}/s; ${publishNote(slow[pick], undefined)}`,
    });
  }
  const fan = results.fanOut;
  rows.push({
    id: 'fanout.http', measurement: 'SSE fan-out: server CPU per delivered message, 1,000 subscribers, 20 messages/s',
    deployment: DEPLOYMENT_LABELS.http, value: fan?.cpuPerDeliveryUs, unit: 'µs',
    note: fan === undefined ? results.errors['fan-out'] ?? 'not run'
      : `${formatNumber(fan.delivered)} deliveries of ${fan.published} messages; ${formatNumber(fan.cpuSeconds)} s CPU; every subscriber had every message ${formatNumber(fan.drainSeconds * 1000)} ms after the last publish`,
  });
  if (peerNote !== undefined) rows.push({ id: 'peer', measurement: 'AtomBus side by side', deployment: 'AtomBus', value: undefined, unit: '', note: peerNote });
  return rows;
}
