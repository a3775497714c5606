import type { Driver, Session, SqlValue } from './dialect.js';

/** A server's client library, reduced to the calls the driver makes. */
export interface ServerPools<C> {
  /** Runs a statement on the writer's `connection`, or on a pooled reader when it is undefined. */
  run(connection: C | undefined, sql: string, params: SqlValue[]): Promise<{ readonly rows: readonly unknown[]; readonly changed: number }>;
  /** Checks out the writer's one connection. */
  connect(): Promise<C>;
  /** Returns it, or drops it when it may be lost (which also ends its session and locks server-side). */
  release(connection: C, isBroken: boolean): void;
  end(): Promise<void>;
}

/**
 * The driver of a database server (PostgreSQL, MySQL): reads go to a pool, and each write
 * transaction to the one connection of a second pool, which the group commit keeps busy.
 */
export class ServerDriver<C> implements Driver {
  readonly reader: Session = this.session(undefined);
  private readonly held = new WeakMap<Session, C>();

  constructor(private readonly pools: ServerPools<C>) {}

  async acquire(): Promise<Session> {
    return this.session(await this.pools.connect());
  }

  async release(session: Session, failure: unknown): Promise<void> {
    const connection = this.held.get(session);
    if (connection !== undefined) this.pools.release(connection, failure !== undefined);
  }

  close(): Promise<void> { return this.pools.end(); }

  private session(connection: C | undefined): Session {
    const session: Session = {
      all: async (sql, params = []) => (await this.pools.run(connection, sql, [...params])).rows,
      run: async (sql, params = []) => (await this.pools.run(connection, sql, [...params])).changed,
    };
    if (connection !== undefined) this.held.set(session, connection);
    return session;
  }
}
