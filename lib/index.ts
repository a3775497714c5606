import { randomUUID } from 'node:crypto';
import { fstatSync } from 'node:fs';
import { serveCgi } from './adapters/cgi.js';
import type { FastCgiListen } from './adapters/fastcgi.js';
import type { HttpListen } from './adapters/http.js';
import { stopOnSignals } from './adapters/shutdown.js';
import { takeActivatedSocket } from './adapters/socket-activation.js';
import type { BodySource, Config, Deps } from './core/deps.js';
import { DEFAULT_CONFIG } from './core/deps.js';
import type { CgiEnv } from './core/env.js';
import { handle } from './core/handle.js';
import type { CoreResponse } from './core/response.js';
import { LazyStore } from './storage/lazy-store.js';
import { TailStore } from './atompub/tail/tail-store.js';
import { runMaintenance } from './admin.js';
import type { Authenticator } from './auth/identity.js';
import { loadAuthenticator } from './auth/load.js';

export type { CgiEnv } from './core/env.js';
export type { CoreResponse, HeaderList } from './core/response.js';
export type { BodySource, Config, Deps } from './core/deps.js';
export type { Action, Authenticator, Identity } from './auth/identity.js';
export { handle } from './core/handle.js';
export { formatCgiResponse } from './adapters/cgi.js';
export { openStore } from './storage/open.js';

/** Options of {@link AtomMQ}; every one has a default. */
export interface AtomMQOptions {
  /** Single-feed mode: the script is this feed (the cgi-bin case). Omit for multi-feed mode. */
  readonly feed?: string | undefined;
  /** The database, e.g. `sqlite:/var/lib/atommq/foo.db` (default `sqlite:atommq.db`). */
  readonly dsn?: string | undefined;
  /** Database user and password, as the original constructor took them. */
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly pageSize?: number | undefined;
  readonly maxBodyBytes?: number | undefined;
  readonly author?: string | undefined;
  readonly title?: string | undefined;
  /** Long polling cap in seconds (default 30). */
  readonly maxWaitSeconds?: number | undefined;
  /** How long Idempotency-Keys are remembered, in seconds (default 86400). */
  readonly idempotencySeconds?: number | undefined;
  /** Most entries in one batch POST (default 1000). */
  readonly maxBatchEntries?: number | undefined;
  /** Origins whose pages may change feeds and read them through CORS (README, "Browsers"). */
  readonly allowedOrigins?: readonly string[] | undefined;
  /** The clock; injectable so tests can move time. */
  readonly now?: (() => Date) | undefined;
  /**
   * The auth config file (README, "Authentication"), or an {@link Authenticator} of your own.
   * Omitted: everything is open. A bad file throws here, at start-up.
   */
  readonly auth?: string | Authenticator | undefined;
}

/** Where the standalone HTTP server listens: a port and address, or a socket systemd passed. */
export type ListenOptions = HttpListen;

/** A running server; `close()` stops it gracefully (see README, "Stopping"). */
export interface Listener {
  close(): Promise<void>;
}

/** How often the long-lived modes run retention and key expiry. */
const MAINTENANCE_MS = 60_000;

/** Writes a fault to stderr, which a web server puts in its error log. */
function logError(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * An AtomMQ server: one feed (or many) over one database, runnable as CGI, FastCGI or HTTP.
 *
 * ```js
 * const server = new AtomMQ({ feed: 'MyCoolFeed', dsn: 'sqlite:/var/lib/atommq/foo.db' });
 * server.run();
 * ```
 */
export class AtomMQ {
  readonly config: Config;
  private readonly deps: Deps;
  private maintenance: NodeJS.Timeout | undefined;

  constructor(options: AtomMQOptions = {}) {
    this.config = {
      feed: options.feed ?? DEFAULT_CONFIG.feed,
      pageSize: options.pageSize ?? DEFAULT_CONFIG.pageSize,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_CONFIG.maxBodyBytes,
      author: options.author ?? DEFAULT_CONFIG.author,
      title: options.title ?? DEFAULT_CONFIG.title,
      maxWaitSeconds: options.maxWaitSeconds ?? DEFAULT_CONFIG.maxWaitSeconds,
      idempotencySeconds: options.idempotencySeconds ?? DEFAULT_CONFIG.idempotencySeconds,
      maxBatchEntries: options.maxBatchEntries ?? DEFAULT_CONFIG.maxBatchEntries,
      allowedOrigins: options.allowedOrigins ?? DEFAULT_CONFIG.allowedOrigins,
    };
    // One process's consumers share its reads of each feed's tail (issue 12; lib/atompub/tail).
    const store = new TailStore(new LazyStore(options.dsn ?? 'sqlite:atommq.db', { user: options.user, password: options.password }));
    const auth = typeof options.auth === 'string' ? loadAuthenticator(options.auth) : options.auth;
    this.deps = { store, config: this.config, now: options.now ?? (() => new Date()), newUuid: randomUUID, logError, auth };
  }

  /** Answers one CGI-style request; never throws. `signal` aborts when the client goes away. */
  handle(env: CgiEnv, body: BodySource, signal?: AbortSignal): Promise<CoreResponse> {
    return handle(env, body, this.deps, signal);
  }

  /**
   * Serves in the mode the process was started in: CGI when the web server set
   * GATEWAY_INTERFACE, FastCGI when stdin is a listening socket (lighttpd's `bin-path`) or
   * systemd passed one (socket activation; HTTP when the unit names it `http`), and otherwise
   * HTTP on `PORT` (default 5000). The long-lived modes stop gracefully on SIGTERM.
   */
  async run(): Promise<void> {
    if ((process.env['GATEWAY_INTERFACE'] ?? '').startsWith('CGI/')) {
      await serveCgi((env, body, signal) => this.handle(env, body, signal));
      await this.close();
      return;
    }
    const activated = takeActivatedSocket();
    let listener: Listener;
    if (activated !== undefined) {
      // A socket unit's FileDescriptorName=http asks for HTTP, as it does for `atommq serve`.
      listener = activated.name === 'http' ? await this.serveHttp({ fd: activated.fd }) : await this.serveFastCgi({ kind: 'fd', fd: activated.fd });
    } else if (fstatSync(0).isSocket()) {
      listener = await this.serveFastCgi({ kind: 'inherited' });
    } else {
      const port = Number(process.env['PORT'] ?? 5000);
      listener = await this.serveHttp({ port, host: process.env['HOST'] ?? '127.0.0.1' });
      logError(`atommq: serving HTTP on http://${process.env['HOST'] ?? '127.0.0.1'}:${port}/`);
    }
    this.stopOnSignals(listener);
  }

  /** Stops `listener` gracefully, then closes the database, on SIGTERM or SIGINT; then exits. */
  stopOnSignals(listener: Listener): void {
    stopOnSignals(() => listener.close().then(() => this.close()), logError);
  }

  /** Serves HTTP until the process is stopped; `close()` stops gracefully. */
  async serveHttp(options: ListenOptions): Promise<Listener> {
    const { serveHttp } = await import('./adapters/http.js');
    const served = await serveHttp((env, body, signal) => this.handle(env, body, signal), { ...options, logError });
    this.startMaintenance();
    return { close: served.stop };
  }

  /**
   * Serves FastCGI on an inherited socket, a socket systemd passed, a Unix socket path (with its
   * mode and group) or a TCP address; `close()` stops gracefully.
   */
  async serveFastCgi(listen: FastCgiListen): Promise<Listener> {
    const { serveFastCgi } = await import('./adapters/fastcgi.js');
    const served = await serveFastCgi((env, body, signal) => this.handle(env, body, signal), listen, logError);
    this.startMaintenance();
    return { close: served.stop };
  }

  /** Closes the database connections. */
  close(): Promise<void> {
    if (this.maintenance !== undefined) clearInterval(this.maintenance);
    return this.deps.store.close();
  }

  /**
   * Long-lived modes apply retention limits and expire idempotency keys in the background, once
   * a minute; publishing also prunes as it goes, which is all a CGI deployment gets.
   */
  private startMaintenance(): void {
    if (this.maintenance !== undefined) return;
    this.maintenance = setInterval(() => {
      runMaintenance(this.deps.store, this.deps.now(), this.config.idempotencySeconds)
        .catch((error: unknown) => logError(`atommq: maintenance: ${error instanceof Error ? error.message : String(error)}`));
    }, MAINTENANCE_MS);
    this.maintenance.unref();
  }
}
