import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Lighttpd, Running } from '../support/processes.js';
import { startLighttpd, startServeHttp } from '../support/processes.js';
import { requireTool } from '../support/tools.js';

/** The three front ends a client meets: `atommq serve` over HTTP, FastCGI behind lighttpd, CGI. */
export const FRONTS = ['http', 'fastcgi', 'cgi'] as const;
export type Front = (typeof FRONTS)[number];

/**
 * The feed every client test uses. The CGI script of lighttpd.conf.example serves one feed of
 * this name; the multi-feed servers reach the same feed as `/feeds/MyCoolFeed`.
 */
export const FEED = 'MyCoolFeed';

/** Servers on one fresh SQLite database, reachable through one front end. */
export interface FrontServers {
  /** The feed's URL through the front end under test. */
  readonly feedUrl: string;
  /** The feed's URL on the `atommq serve` HTTP server, for publishing alongside. */
  readonly httpFeedUrl: string;
  readonly dsn: string;
  readonly dir: string;
  /** The HTTP server; for the FastCGI and CGI fronts, lighttpd too. */
  readonly http: Running & { readonly port: number };
  readonly lighttpd: Lighttpd | undefined;
  close(): Promise<void>;
}

/**
 * Starts `atommq serve` over HTTP on a fresh database and, for the FastCGI and CGI fronts, the
 * rendered lighttpd.conf.example on the same database (its `/bus` is `atommq serve --fastcgi`,
 * its `/cgi-bin/mycoolfeed` the CGI script). Returns undefined when lighttpd is missing locally
 * (the test is then skipped; under CI=true it fails).
 */
export async function startFront(t: TestContext, front: Front): Promise<FrontServers | undefined> {
  if (front !== 'http' && !requireTool(t, 'lighttpd', `the ${front} front end`)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), `atommq-client-${front}-`));
  const dsn = `sqlite:${join(dir, 'bus.db')}`;
  const http = await startServeHttp(['--dsn', dsn]);
  const lighttpd = front === 'http' ? undefined : await startLighttpd({ dsn });
  const httpFeedUrl = `http://127.0.0.1:${http.port}/feeds/${FEED}`;
  const feedUrl = lighttpd === undefined ? httpFeedUrl
    : front === 'fastcgi' ? `http://127.0.0.1:${lighttpd.port}/bus/feeds/${FEED}` : `http://127.0.0.1:${lighttpd.port}/cgi-bin/mycoolfeed`;
  return {
    feedUrl, httpFeedUrl, dsn, dir, http, lighttpd,
    close: async () => {
      await lighttpd?.stop();
      await http.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
