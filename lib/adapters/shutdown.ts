import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Socket } from 'node:net';
import { clientLeftSignal } from './node-response.js';

/**
 * How long a stopping server keeps a connection that carries no request before closing it. A
 * client that has just connected sends its request well within this; an idle keep-alive
 * connection is closed after it.
 */
const IDLE_GRACE_MS = 2_000;

/**
 * Graceful stop for the long-lived servers (FastCGI and HTTP). Every request is admitted through
 * {@link Drain.admit}, and {@link Drain.stop}:
 * 1. stops accepting connections. A socket that systemd (or a web server's `bin-path` spawn)
 *    holds open keeps queueing new connections in its backlog for the next process;
 * 2. aborts every admitted request's signal, so a waiting long poll ends now with its normal
 *    answer (the empty page or 304 it would give at the end of its wait), and a stream ends;
 * 3. lets every request in flight finish and be written; an HTTP response written from then on
 *    carries `Connection: close`;
 * 4. resolves once every connection is closed. Connections that carry no request are given
 *    IDLE_GRACE_MS to send one, and then closed.
 */
export class Drain {
  private readonly stopping = new AbortController();
  private readonly active = new Set<ServerResponse>();
  private readonly connections = new Set<Socket>();
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private onSettled: (() => void) | undefined;

  /** @param isHttp the responses are HTTP/1.1 ones, whose connections a stop closes after them. */
  constructor(private readonly isHttp: boolean) {}

  /** True once {@link stop} was called. */
  get isStopping(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Follows a server's connections, so that a stop knows when the last one is gone. */
  watch(server: NetServer): void {
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => {
        this.connections.delete(socket);
        this.check();
      });
    });
  }

  /**
   * Counts a request in until its response is written or its client goes away. Returns the
   * signal its handler gets: aborted when the client leaves or when the server stops.
   */
  admit(req: IncomingMessage, res: ServerResponse): AbortSignal {
    this.active.add(res);
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    // One controller per request, unhooked from the server-wide signal when the answer is
    // written, so a long-lived server keeps no listener per past request (AbortSignal.any
    // would hold one on the server's signal).
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    const clientLeft = clientLeftSignal(req, res);
    clientLeft.addEventListener('abort', abort, { once: true });
    this.stopping.signal.addEventListener('abort', abort, { once: true });
    const done = (): void => {
      this.stopping.signal.removeEventListener('abort', abort);
      this.active.delete(res);
      this.check();
    };
    res.once('finish', done);
    res.once('close', done);
    if (this.isStopping) {
      this.closeAfter(res);
      controller.abort();
    }
    return controller.signal;
  }

  /** Stops `server` as the class comment says; resolves when every connection is closed. */
  stop(server: NetServer): Promise<void> {
    if (this.isStopping) return new Promise((resolve) => server.once('close', () => resolve()));
    const settled = new Promise<void>((resolve) => { this.onSettled = resolve; });
    // net's close, not http's: http.Server#close also drops connections whose request has not
    // been read yet, which resets that request instead of answering it.
    if (server.listening) NetServer.prototype.close.call(server);
    this.stopping.abort();
    for (const res of this.active) this.closeAfter(res);
    this.check();
    return settled;
  }

  private closeAfter(res: ServerResponse): void {
    if (this.isHttp && !res.headersSent) res.shouldKeepAlive = false;
  }

  private check(): void {
    if (!this.isStopping || this.active.size > 0) return;
    if (this.connections.size === 0) {
      clearTimeout(this.graceTimer);
      this.onSettled?.();
      this.onSettled = undefined;
      return;
    }
    this.graceTimer ??= setTimeout(() => {
      for (const socket of this.connections) socket.destroy();
    }, IDLE_GRACE_MS);
  }
}

/**
 * On SIGTERM (what systemd, lighttpd and Apache send) or SIGINT, runs the graceful `stop` once,
 * then exits 0. A second signal while stopping is the default action: exit at once.
 */
export function stopOnSignals(stop: () => Promise<void>, logError: (message: string) => void): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    stop().catch((error: unknown) => logError(`atommq: stopping on ${signal}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
