import type { Credentials } from './dsn.js';
import { parseDsn } from './dsn.js';
import { connectionFor } from './open.js';
import { SqlStore } from './sql-store.js';

/**
 * A store that connects on first use (see {@link SqlStore}). The DSN is checked at construction,
 * so a malformed one fails at start-up; a database that is down only turns requests into 503s.
 */
export class LazyStore extends SqlStore {
  constructor(dsn: string, credentials: Credentials = {}) {
    super(connectionFor(parseDsn(dsn, credentials)));
  }
}
