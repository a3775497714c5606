import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import libxml from 'libxmljs2';
import type { Element } from 'libxmljs2';
import type { TestResponse } from '../support/http.js';
import { httpFetch } from '../support/http.js';
import { REPO_ROOT, startServeHttp } from '../support/processes.js';
import { IS_CI } from '../support/tools.js';

/** Debian's Perl: the Perl clients under test are Debian packages, not CPAN installs. */
export const PERL = '/usr/bin/perl';
/** Debian's Python, not a pyenv one on PATH: python3-feedparser is installed for it alone. */
export const PYTHON = '/usr/bin/python3';

/** The absolute path of a client script in test/clients (they are not compiled into dist/). */
export const clientScript = (name: string): string => join(REPO_ROOT, 'test/clients', name);

/** What a finished client process left behind. */
export interface ClientRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command args…` from the repository root with no shell, and collects its output. */
export function runClient(command: string, args: readonly string[]): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Formats a run for an assertion message, so a failure shows what the client said. */
export const describeRun = (run: ClientRun): string => `exit ${String(run.code)}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;

/**
 * Returns true when `command args…` exits 0, which is how a Perl or Python module is detected
 * (`perl -MModule -e1`, `python3 -c 'import module'`). Otherwise: under CI the test fails;
 * locally it is skipped with the reason printed.
 */
export async function requireRunnable(t: TestContext, what: string, command: string, args: readonly string[]): Promise<boolean> {
  const run = await runClient(command, args).catch((error: unknown): ClientRun => ({ code: null, stdout: '', stderr: String(error) }));
  if (run.code === 0) return true;
  const reason = `${what} is not available (\`${[command, ...args].join(' ')}\` failed: ${(run.stderr.trim().split('\n')[0] ?? '').slice(0, 120)}); .ci/run installs it`;
  if (IS_CI) throw new Error(reason);
  process.stderr.write(`# skipped: ${reason}\n`);
  t.skip(reason);
  return false;
}

/** A running `atommq serve` over HTTP with its own temporary SQLite database. */
export interface Bus {
  readonly port: number;
  /** The absolute URL of `path` on this server. */
  url(path: string): string;
  fetch(method: string, path: string, options?: Parameters<typeof httpFetch>[3]): Promise<TestResponse>;
}

/** Starts `atommq serve` with `args` on a fresh database, runs `body`, then stops it. */
export async function withBus<T>(args: readonly string[], body: (bus: Bus) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-clients-'));
  const server = await startServeHttp(['--dsn', `sqlite:${join(dir, 'clients.db')}`, ...args]);
  try {
    return await body({
      port: server.port,
      url: (path) => `http://127.0.0.1:${server.port}${path}`,
      fetch: (method, path, options) => httpFetch(server.port, method, path, options),
    });
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Returns the value of the `name: value` line a client script printed; throws if it printed none. */
export function printed(run: ClientRun, name: string): string {
  const match = new RegExp(`^${name}: (.+)$`, 'm').exec(run.stdout);
  if (match?.[1] === undefined) throw new Error(`the client printed no "${name}:" line\n${describeRun(run)}`);
  return match[1];
}

const NS = { a: 'http://www.w3.org/2005/Atom', at: 'http://purl.org/atompub/tombstones/1.0' };

/** One element child of a feed as the log orders it: an entry, or an RFC 6721 tombstone. */
export type LogItem =
  | { readonly kind: 'entry'; readonly id: string; readonly title: string }
  | { readonly kind: 'deleted-entry'; readonly ref: string; readonly when: string };

/** Reads the entries and tombstones of a feed document in document order. */
export function readLog(xml: string): LogItem[] {
  const root = libxml.parseXml(xml, { noent: false, dtdload: false, nonet: true }).root();
  if (root === null) throw new Error('the feed has no root element');
  return root.find<Element>('a:entry | at:deleted-entry', NS).map((el): LogItem => el.name() === 'entry'
    ? { kind: 'entry', id: el.get<Element>('a:id', NS)?.text() ?? '', title: el.get<Element>('a:title', NS)?.text() ?? '' }
    : { kind: 'deleted-entry', ref: el.attr('ref')?.value() ?? '', when: el.attr('when')?.value() ?? '' });
}

/**
 * Reads a feed's whole log, following `next` links: a page ends before a tombstone that follows
 * an entry (RFC 4287 allows extension elements only before entries), so one page may not hold it all.
 */
export async function fetchLog(bus: Bus, feedPath: string): Promise<LogItem[]> {
  const items: LogItem[] = [];
  let path: string | undefined = feedPath;
  for (let pages = 0; path !== undefined && pages < 100; pages++) {
    const page = await bus.fetch('GET', path);
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${page.body.slice(0, 200)}`);
    items.push(...readLog(page.body));
    const root = libxml.parseXml(page.body, { noent: false, dtdload: false, nonet: true }).root();
    const next = root?.get<Element>('a:link[@rel="next"]', NS)?.attr('href')?.value();
    path = next === undefined ? undefined : pathOf(next);
  }
  return items;
}

/** The path of an absolute URL, for httpFetch. */
export const pathOf = (href: string): string => {
  const url = new URL(href);
  return `${url.pathname}${url.search}`;
};
