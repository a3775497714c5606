import type { Credentials } from './dsn.js';
import { parseDsn } from './dsn.js';
import { connectionFor } from './open.js';
import { SqlStore } from './sql-store.js';

/**
 * A store that connects on first use, and tries again on the next request when the database was
 * unreachable. The DSN is checked at construction, so a malformed one fails at start-up, while a
 * database that is down only turns requests into 503s until it is back.
 */
export class LazyStore extends SqlStore {
  constructor(dsn: string, credentials: Credentials = {}) {
    super(connectionFor(parseDsn(dsn, credentials)));
  }
}
