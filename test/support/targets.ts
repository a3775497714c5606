import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomMQ } from '../../lib/index.js';
import { hasBody } from '../../lib/core/response.js';
import { runCgi } from './cgi.js';
import { bodyOf, envFor } from './env.js';
import type { TestRequest, TestResponse } from './http.js';
import { httpFetch } from './http.js';
import type { Lighttpd, Running } from './processes.js';
import { startLighttpd, startServeHttp } from './processes.js';

/**
 * One way of reaching AtomMQ. The conformance cases run unchanged through every target:
 * `feedPath` is where the test feed lives relative to the target's root, and `scriptPrefix` is
 * the SCRIPT_NAME every link the server writes must start with.
 */
export interface Target {
  readonly name: string;
  readonly mode: 'single' | 'multi';
  readonly feedPath: string;
  readonly scriptPrefix: string;
  /** Sends a request to `path` (relative to the script, e.g. '/feeds/x?limit=2'). */
  request(method: string, path: string, options?: TestRequest): Promise<TestResponse>;
}

/** The six routes of the core issue, in order. */
export const TARGET_NAMES = ['core', 'cgi-spawn', 'lighttpd-cgi', 'lighttpd-fastcgi-bin', 'serve-fastcgi', 'serve-http'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** The targets that need lighttpd. */
export const NEEDS_LIGHTTPD: ReadonlySet<TargetName> = new Set(['lighttpd-cgi', 'lighttpd-fastcgi-bin', 'serve-fastcgi']);

const FEED = 'conformance';

/** Starts every target on one fresh database; `close()` stops them all. */
export async function startTargets(names: readonly TargetName[], dsn?: string): Promise<{ targets: Target[]; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-targets-'));
  const database = dsn ?? `sqlite:${join(dir, 'atommq.db')}`;
  const closers: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  let lighttpd: Lighttpd | undefined;
  const targets: Target[] = [];
  for (const name of names) {
    if (NEEDS_LIGHTTPD.has(name) && lighttpd === undefined) {
      lighttpd = await startLighttpd({ dsn: database });
      closers.unshift(lighttpd.stop);
    }
    targets.push(await startTarget(name, database, lighttpd, closers));
  }
  return { targets, close: async () => { for (const close of closers) await close(); } };
}

async function startTarget(name: TargetName, dsn: string, lighttpd: Lighttpd | undefined, closers: Array<() => Promise<void>>): Promise<Target> {
  switch (name) {
    case 'core': {
      const app = new AtomMQ({ dsn });
      closers.unshift(() => app.close());
      const scriptName = '/mount/atommq';
      return {
        name, mode: 'multi', feedPath: `/feeds/${FEED}`, scriptPrefix: scriptName,
        request: async (method, path, options = {}) => {
          const { env, body } = envFor(`${method} ${path}`, { scriptName, ...options });
          const response = await app.handle(env, bodyOf(body));
          const headers: Record<string, string> = {};
          for (const [k, v] of response.headers) headers[k.toLowerCase()] = headers[k.toLowerCase()] === undefined ? v : `${headers[k.toLowerCase()]}, ${v}`;
          return { status: response.status, headers, body: hasBody(response) ? Buffer.from(response.body).toString('utf8') : '' };
        },
      };
    }
    case 'cgi-spawn': {
      const scriptName = '/cgi-bin/mycoolfeed';
      return {
        name, mode: 'single', feedPath: '', scriptPrefix: scriptName,
        request: async (method, path, options = {}) => {
          const { env, body } = envFor(`${method} ${path}`, { scriptName, ...options });
          return runCgi(env, body, { ATOMMQ_DSN: dsn });
        },
      };
    }
    case 'lighttpd-cgi':
    case 'lighttpd-fastcgi-bin':
    case 'serve-fastcgi': {
      if (lighttpd === undefined) throw new Error('lighttpd is not running');
      const prefix = name === 'lighttpd-cgi' ? '/cgi-bin/mycoolfeed' : name === 'lighttpd-fastcgi-bin' ? '/fcgi/mycoolfeed' : '/bus';
      const port = lighttpd.port;
      return {
        name, mode: name === 'serve-fastcgi' ? 'multi' : 'single', feedPath: name === 'serve-fastcgi' ? `/feeds/${FEED}` : '', scriptPrefix: prefix,
        request: (method, path, options) => httpFetch(port, method, `${prefix}${path}`, options),
      };
    }
    case 'serve-http': {
      const serve: Running & { port: number } = await startServeHttp(['--dsn', dsn]);
      closers.unshift(serve.stop);
      return {
        name, mode: 'multi', feedPath: `/feeds/${FEED}`, scriptPrefix: '',
        request: (method, path, options) => httpFetch(serve.port, method, path, options),
      };
    }
  }
}
