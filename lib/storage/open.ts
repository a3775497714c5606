import type { Credentials, StoreConfig } from './dsn.js';
import { parseDsn } from './dsn.js';
import { describeAddress } from './errors.js';
import { SqlStore, type Connection } from './sql-store.js';
import type { Store } from './store.js';

/** Opens the store a DSN names, connected and migrated. */
export async function openStore(dsn: string, credentials: Credentials = {}): Promise<Store> {
  return SqlStore.open(connectionFor(parseDsn(dsn, credentials)));
}

/**
 * Which dialect serves a config: a new database is one more case here and one folder beside
 * sqlite/, postgres/ and mysql/. Each dialect (and its driver) is imported only when used, so a
 * CGI process that talks to SQLite never loads `pg` or `mysql2`.
 */
export function connectionFor(config: StoreConfig): Connection {
  switch (config.dialect) {
    case 'sqlite':
      return { dialect: 'sqlite', where: `SQLite database ${config.path}`, connect: async () => (await import('./sqlite/dialect.js')).openSqliteDialect(config.path) };
    case 'postgres':
      return { dialect: 'postgres', where: `PostgreSQL database ${describeAddress('postgres', 5432, config)}`,
        connect: async () => (await import('./postgres/dialect.js')).openPostgresDialect(config) };
    case 'mysql':
      return { dialect: 'mysql', where: `MySQL database ${describeAddress('mysql', 3306, config)}`,
        connect: async () => (await import('./mysql/dialect.js')).openMysqlDialect(config) };
  }
}
