import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtomMQ } from '../../lib/index.js';
import { hasBody } from '../../lib/core/response.js';
import { runCgi } from './cgi.js';
import { bodyOf, envFor } from './env.js';
import type { TestRequest, TestResponse } from './http.js';
import { httpFetch } from './http.js';
import type { FrontEnd, FrontEndKind } from './front-ends.js';
import { startFrontEnd } from './front-ends.js';
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
  /** `http://host:port` of a target reached over HTTP: every absolute link must carry it, port included. */
  readonly origin?: string;
  /** Sends a request to `path` (relative to the script, e.g. '/feeds/x?limit=2'). */
  request(method: string, path: string, options?: TestRequest): Promise<TestResponse>;
}

/**
 * The six routes of the core issue, in order, then the Apache and nginx front ends of issue 14,
 * each run from its example file.
 */
export const TARGET_NAMES = ['core', 'cgi-spawn', 'lighttpd-cgi', 'lighttpd-fastcgi-bin', 'serve-fastcgi', 'serve-http',
  'apache-cgi', 'apache-fcgid', 'apache-proxy-fcgi', 'nginx'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** The targets that need lighttpd. */
export const NEEDS_LIGHTTPD: ReadonlySet<TargetName> = new Set(['lighttpd-cgi', 'lighttpd-fastcgi-bin', 'serve-fastcgi']);

/** The web server command each target needs, if any (the Apache and nginx ones also need root). */
export const WEB_SERVER_OF: Readonly<Partial<Record<TargetName, string>>> = {
  'lighttpd-cgi': 'lighttpd', 'lighttpd-fastcgi-bin': 'lighttpd', 'serve-fastcgi': 'lighttpd',
  'apache-cgi': 'apache2', 'apache-fcgid': 'apache2', 'apache-proxy-fcgi': 'apache2', nginx: 'nginx',
};

/**
 * Every route through a real web server: what a test of streaming behaviour (long polls, event
 * streams) runs through. Each such target has an `origin`; request `${origin}${scriptPrefix}…`.
 */
export const WEB_SERVER_TARGETS = ['lighttpd-cgi', 'lighttpd-fastcgi-bin', 'serve-fastcgi', 'apache-cgi', 'apache-fcgid', 'apache-proxy-fcgi', 'nginx'] as const satisfies readonly TargetName[];

/** Where each Apache and nginx target is mounted in its example file, and in which mode. */
const FRONT_END_ROUTES = {
  'apache-cgi': { kind: 'apache', prefix: '/cgi-bin/mycoolfeed', mode: 'single' },
  'apache-fcgid': { kind: 'apache', prefix: '/fcgi/mycoolfeed', mode: 'single' },
  'apache-proxy-fcgi': { kind: 'apache', prefix: '/bus', mode: 'multi' },
  nginx: { kind: 'nginx', prefix: '/bus', mode: 'multi' },
} as const;

const FEED = 'conformance';

/** Starts every target on one fresh database; `close()` stops them all. */
export async function startTargets(names: readonly TargetName[], dsn?: string): Promise<{ targets: Target[]; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-targets-'));
  const database = dsn ?? `sqlite:${join(dir, 'atommq.db')}`;
  const closers: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  let lighttpd: Lighttpd | undefined;
  const frontEnds = new Map<FrontEndKind, FrontEnd>();
  const targets: Target[] = [];
  for (const name of names) {
    if (NEEDS_LIGHTTPD.has(name) && lighttpd === undefined) {
      lighttpd = await startLighttpd({ dsn: database });
      closers.unshift(lighttpd.stop);
    }
    if (isFrontEndTarget(name)) {
      const route = FRONT_END_ROUTES[name];
      let frontEnd = frontEnds.get(route.kind);
      if (frontEnd === undefined) {
        // The scripts run as www-data and serve as the service user: each gets its own file
        // unless a server database was asked for.
        frontEnd = await startFrontEnd(route.kind, { dsn });
        frontEnds.set(route.kind, frontEnd);
        closers.unshift(frontEnd.stop);
      }
      targets.push(frontEndTarget(name, route, frontEnd.port));
      continue;
    }
    targets.push(await startTarget(name, database, lighttpd, closers));
  }
  return { targets, close: async () => { for (const close of closers) await close(); } };
}

function isFrontEndTarget(name: TargetName): name is keyof typeof FRONT_END_ROUTES {
  return name in FRONT_END_ROUTES;
}

function frontEndTarget(name: TargetName, route: { readonly prefix: string; readonly mode: 'single' | 'multi' }, port: number): Target {
  return {
    name, mode: route.mode, feedPath: route.mode === 'multi' ? `/feeds/${FEED}` : '', scriptPrefix: route.prefix, origin: `http://127.0.0.1:${port}`,
    request: (method, path, options) => httpFetch(port, method, `${route.prefix}${path}`, options),
  };
}

async function startTarget(name: Exclude<TargetName, keyof typeof FRONT_END_ROUTES>, dsn: string, lighttpd: Lighttpd | undefined, closers: Array<() => Promise<void>>): Promise<Target> {
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
        origin: `http://127.0.0.1:${port}`,
        request: (method, path, options) => httpFetch(port, method, `${prefix}${path}`, options),
      };
    }
    case 'serve-http': {
      const serve: Running & { port: number } = await startServeHttp(['--dsn', dsn]);
      closers.unshift(serve.stop);
      return {
        name, mode: 'multi', feedPath: `/feeds/${FEED}`, scriptPrefix: '', origin: `http://127.0.0.1:${serve.port}`,
        request: (method, path, options) => httpFetch(serve.port, method, path, options),
      };
    }
  }
}

/**
 * Where a web-server target's feed is reached over HTTP: a port on 127.0.0.1 and the full path.
 * For tests that open their own connection (an event stream, for example) through each of
 * WEB_SERVER_TARGETS.
 */
export function httpAddressOf(t: Target): { readonly port: number; readonly feedPath: string } {
  if (t.origin === undefined) throw new Error(`${t.name} is not reached over HTTP`);
  return { port: Number(new URL(t.origin).port), feedPath: `${t.scriptPrefix}${t.feedPath}` };
}
