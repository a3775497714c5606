import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomMQ } from '../../lib/index.js';
import type { CgiEnv } from '../../lib/core/env.js';
import { hasBody } from '../../lib/core/response.js';
import { envFor } from '../support/env.js';
import type { TestResponse } from '../support/http.js';
import { startLighttpd, startServeHttp } from '../support/processes.js';
import type { Lighttpd, Running } from '../support/processes.js';
import { rawHttp } from './raw-http.js';

/**
 * The routes the hostile corpus runs through: the in-process core, `atommq serve --fastcgi`
 * behind the rendered lighttpd.conf.example (multi-feed, under /bus), and `atommq serve` over
 * HTTP. All three share one SQLite file, so a test can check the stored rows directly.
 */
export type HostileTargetName = 'core' | 'serve-fastcgi' | 'serve-http';

/** One hostile request. `path` is relative to the script and percent-encoded as on the wire. */
export interface HostileRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Header lines sent verbatim over HTTP (bare CR, obs-fold, a second Host); the core ignores them. */
  readonly rawHeaderLines?: readonly string[];
  /** Meta-variables set as is in the core's env (what a broken web server could pass). */
  readonly coreEnv?: Readonly<Record<string, string | undefined>>;
  /** The body; a function returns fresh chunks each time, so 50 MB is one buffer written 50 times. */
  readonly body?: Uint8Array | (() => Iterable<Uint8Array>);
  /** No CONTENT_LENGTH in the core; `Transfer-Encoding: chunked` over HTTP. */
  readonly chunked?: boolean;
  /** The length announced; it may lie. By default the real length of a byte body. */
  readonly contentLength?: number;
  /** The client goes away after sending the body (the core's body stream fails as Node's does). */
  readonly disconnectAfterBody?: boolean;
  /** Over HTTP, how long to wait for the answer (default 30 s). */
  readonly answerWithinMs?: number;
}

/** A response, with its header lines as pairs so an injected header would show as its own pair. */
export interface HostileResponse extends TestResponse {
  readonly headerPairs: ReadonlyArray<readonly [string, string]>;
}

/** Memory of the process that serves a target, in bytes. */
export interface MemoryReading {
  readonly rss: number;
  /** The highest RSS the process ever had (VmHWM), so a short spike is not missed. */
  readonly peak: number;
}

/** A running route for hostile requests. */
export interface HostileTarget {
  readonly name: HostileTargetName;
  /** True when a web server in front may answer some requests itself. */
  readonly behindWebServer: boolean;
  send(request: HostileRequest): Promise<HostileResponse>;
  memory(): MemoryReading;
  /**
   * What the server process has written to stderr so far, where faults are logged with their
   * stack. Only `atommq serve` over HTTP exposes it; for the core a logged fault is a 500/503
   * answer, and behind lighttpd the FastCGI server's stderr is not kept by the support code.
   */
  log(): string;
}

/** Every started target, the database file they share, and a way to stop them. */
export interface HostileTargets {
  readonly targets: readonly HostileTarget[];
  readonly databasePath: string;
  close(): Promise<void>;
}

/** Starts the named targets on one fresh SQLite database; `serveArgs` go to both `atommq serve`s. */
export async function startHostileTargets(names: readonly HostileTargetName[], serveArgs: readonly string[] = []): Promise<HostileTargets> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-hostile-'));
  const databasePath = join(dir, 'hostile.db');
  const dsn = `sqlite:${databasePath}`;
  const closers: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const targets: HostileTarget[] = [];
  try {
    for (const name of names) targets.push(await startTarget(name, dsn, serveArgs, closers));
  } catch (error) {
    for (const close of closers) await close();
    throw error;
  }
  return { targets, databasePath, close: async () => { for (const close of closers) await close(); } };
}

async function startTarget(name: HostileTargetName, dsn: string, serveArgs: readonly string[], closers: Array<() => Promise<void>>): Promise<HostileTarget> {
  switch (name) {
    case 'core': {
      const maxBody = serveArgs.indexOf('--max-body');
      const app = new AtomMQ({ dsn, maxBodyBytes: maxBody < 0 ? undefined : Number(serveArgs[maxBody + 1]) });
      closers.unshift(() => app.close());
      return { name, behindWebServer: false, send: (request) => sendToCore(app, request), memory: () => ownMemory(), log: () => '' };
    }
    case 'serve-fastcgi': {
      const lighttpd: Lighttpd = await startLighttpd({ dsn, serveArgs });
      closers.unshift(lighttpd.stop);
      const pid = findPid(`${join(lighttpd.stateDir, 'atommq.sock')}`);
      return { name, behindWebServer: true, send: (request) => sendOverHttp(lighttpd.port, '/bus', request), memory: () => processMemory(pid), log: () => '' };
    }
    case 'serve-http': {
      const serve: Running & { port: number } = await startServeHttp(['--dsn', dsn, ...serveArgs]);
      closers.unshift(serve.stop);
      const pid = serve.child.pid;
      if (pid === undefined) throw new Error('atommq serve has no pid');
      return { name, behindWebServer: true, send: (request) => sendOverHttp(serve.port, '', request), memory: () => processMemory(pid), log: serve.stderr };
    }
  }
}

async function sendOverHttp(port: number, prefix: string, request: HostileRequest): Promise<HostileResponse> {
  const body = typeof request.body === 'function' ? request.body() : request.body;
  const response = await rawHttp(port, {
    method: request.method,
    target: `${prefix}${request.path}`,
    headerLines: [...Object.entries(request.headers ?? {}).map(([k, v]) => `${k}: ${v}`), ...(request.rawHeaderLines ?? [])],
    ...(body === undefined ? {} : { body }),
    ...(request.chunked ? { chunked: true } : {}),
    ...(request.contentLength === undefined ? {} : { contentLength: request.contentLength }),
    ...(request.disconnectAfterBody ? { disconnectAfterBody: true } : {}),
  }, request.answerWithinMs);
  const headerPairs = response.head.split('\r\n').slice(1).map((line): readonly [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon < 0 ? line.length : colon).trim(), colon < 0 ? '' : line.slice(colon + 1).trim()];
  });
  return { ...response, headerPairs };
}

/** The core gets the env a web server would build from the request, and the body as a stream. */
async function sendToCore(app: AtomMQ, request: HostileRequest): Promise<HostileResponse> {
  const queryAt = request.path.indexOf('?');
  const rawPath = queryAt < 0 ? request.path : request.path.slice(0, queryAt);
  const { env: base } = envFor(`${request.method} /`, { scriptName: '/bus', headers: request.headers ?? {} });
  const env: Record<string, string | undefined> = {
    ...base,
    PATH_INFO: decodeAsWebServer(rawPath),
    QUERY_STRING: queryAt < 0 ? '' : request.path.slice(queryAt + 1),
  };
  const bytes = request.body instanceof Uint8Array ? request.body : undefined;
  if (request.contentLength !== undefined && !request.chunked) env['CONTENT_LENGTH'] = String(request.contentLength);
  else if (bytes !== undefined && !request.chunked) env['CONTENT_LENGTH'] = String(bytes.byteLength);
  else delete env['CONTENT_LENGTH']; // chunked, or a streamed body of unknown length
  const response = await app.handle({ ...env, ...request.coreEnv } satisfies CgiEnv, bodySource(request));
  const headers: Record<string, string> = {};
  for (const [k, v] of response.headers) headers[k.toLowerCase()] = headers[k.toLowerCase()] === undefined ? v : `${headers[k.toLowerCase()]}, ${v}`;
  return {
    status: response.status,
    headers,
    headerPairs: response.headers,
    body: hasBody(response) ? Buffer.from(response.body).toString('utf8') : '',
  };
}

async function* bodySource(request: HostileRequest): AsyncGenerator<Uint8Array> {
  const body = request.body;
  if (body !== undefined) {
    for (const chunk of body instanceof Uint8Array ? [body] : body()) if (chunk.byteLength > 0) yield chunk;
  }
  // What Node's IncomingMessage does when the client goes away mid-body.
  if (request.disconnectAfterBody) throw new Error('aborted');
}

/** Percent-decodes a path as a web server does for PATH_INFO; an undecodable path stays as sent. */
function decodeAsWebServer(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function ownMemory(): MemoryReading {
  return { rss: process.memoryUsage().rss, peak: process.resourceUsage().maxRSS * 1024 };
}

/** Reads VmRSS and VmHWM of a server process from /proc (Linux). */
function processMemory(pid: number): MemoryReading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Finds the process whose command line holds `marker` (the FastCGI socket path is unique per run). */
function findPid(marker: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(marker)) return Number(entry);
    } catch {
      // the process exited while we looked
    }
  }
  throw new Error(`no process runs with ${marker}`);
}
