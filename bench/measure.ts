import type { RequestSpec, LatencyResult, ThroughputResult } from './load.js';
import { measureLatency, measureThroughput, measureThroughputNow } from './load.js';
import type { CommitCounters } from './procfs.js';
import type { Results } from './results.js';
import { readCommitCounters } from './procfs.js';

/** How long each row runs; every row is time-bounded. */
export interface Timing {
  readonly seconds: number;
  readonly warmupSeconds: number;
}

/** What every phase gets: the run's settings, where results go, and how to log progress. */
export interface PhaseContext {
  readonly timing: Timing;
  readonly results: Results;
  readonly log: (message: string) => void;
  /** Registers a cleanup that runs even when the run is interrupted. */
  readonly onCleanup: (cleanup: () => Promise<void>) => () => Promise<void>;
}

/** A ~300-byte Atom entry, the message every publish row sends. */
export const ENTRY_BODY = entryOfBytes(300);

/** The headers of a publish. */
export const ENTRY_HEADERS = { 'Content-Type': 'application/atom+xml;type=entry' } as const;

function entryOfBytes(size: number): string {
  const wrap = (pad: string): string => `<entry xmlns="http://www.w3.org/2005/Atom"><title>bench message</title><author><name>bench</name></author><content type="text">${pad}</content></entry>`;
  const filler = 'The quick brown fox jumps over the lazy dog. ';
  const room = size - wrap('').length;
  return wrap(filler.repeat(Math.ceil(room / filler.length)).slice(0, room));
}

/** A publish load, and what the store's transactions did during it when a probe was there. */
export interface PublishResult {
  readonly load: ThroughputResult;
  /** Commits and append jobs during the measured seconds; undefined without a probe. */
  readonly counters: (CommitCounters & { readonly perSecond: number; readonly entriesPerCommit: number }) | undefined;
}

/** Publishes with `connections` for `timing`, counting commits through the probe when given. */
export async function measurePublish(url: string, connections: number, timing: Timing, probe?: { pid: number; dir: string }): Promise<PublishResult> {
  const spec: RequestSpec = { url, method: 'POST', body: ENTRY_BODY, headers: ENTRY_HEADERS };
  if (timing.warmupSeconds > 0) await measureThroughputNow(spec, connections, timing.warmupSeconds);
  const before = probe === undefined ? undefined : await readCommitCounters(probe.pid, probe.dir);
  const load = await measureThroughputNow(spec, connections, timing.seconds);
  const after = probe === undefined ? undefined : await readCommitCounters(probe.pid, probe.dir);
  if (before === undefined || after === undefined) return { load, counters: undefined };
  const commits = after.commits - before.commits;
  const jobs = after.jobs - before.jobs;
  return { load, counters: { commits, jobs, rowReads: after.rowReads - before.rowReads, feedReads: after.feedReads - before.feedReads, polls: after.polls - before.polls, perSecond: commits / load.seconds, entriesPerCommit: commits === 0 ? 0 : jobs / commits } };
}

/**
 * Publishes until `wanted - have` more entries were accepted, four at a time (bounded by count,
 * not time). Refusals are retried up to a limit: AtomBus answers 500 to some concurrent POSTs.
 */
export async function topUp(url: string, have: number, wanted: number): Promise<void> {
  let missing = wanted - have;
  let attempts = 3 * Math.max(0, missing) + 16;
  const post = async (): Promise<void> => {
    const response = await fetch(url, { method: 'POST', body: ENTRY_BODY, headers: ENTRY_HEADERS });
    await response.arrayBuffer();
    if (response.status === 201) missing -= 1;
  };
  while (missing > 0 && attempts > 0) {
    const round = Math.min(4, missing, attempts);
    attempts -= round;
    await Promise.all(Array.from({ length: round }, post));
  }
  if (missing > 0) throw new Error(`top-up of ${url} still lacks ${missing} entries`);
}

/** The three read rows of one deployment. */
export interface ReadResults {
  /** A 20-entry page after a cursor, one connection, each request timed. */
  readonly cursor1: LatencyResult;
  /** The same page with 16 connections. */
  readonly cursor16: ThroughputResult;
  /** The whole first page, 1000 entries, one connection. */
  readonly fullPage: LatencyResult;
  /** Entries and bytes of one cursor page and one full page, checked before timing them. */
  readonly shape: { readonly cursorEntries: number; readonly fullEntries: number; readonly fullBytes: number };
}

/** Runs the read rows against one collection URL, given the cursor query that leaves 20 entries. */
export async function measureReads(collectionUrl: string, cursorQuery: string, timing: Timing): Promise<ReadResults> {
  const cursor: RequestSpec = { url: `${collectionUrl}?${cursorQuery}` };
  const cursorPage = await pageShape(cursor.url);
  const full = await pageShape(collectionUrl);
  const cursor1 = await measureLatency(cursor, timing.seconds, timing.warmupSeconds);
  const cursor16 = await measureThroughput(cursor, 16, timing.seconds, timing.warmupSeconds);
  const fullPage = await measureLatency({ url: collectionUrl }, timing.seconds, timing.warmupSeconds, 3);
  return { cursor1, cursor16, fullPage, shape: { cursorEntries: cursorPage.entries, fullEntries: full.entries, fullBytes: full.bytes } };
}

/** Fetches a feed page once and counts its entries. */
async function pageShape(url: string): Promise<{ entries: number; bytes: number }> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  return { entries: text.match(/<entry[\s>]/g)?.length ?? 0, bytes: Buffer.byteLength(text) };
}
