import type { Credentials, StoreConfig } from './dsn.js';
import { parseDsn } from './dsn.js';
import { describeAddress } from './errors.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './store.js';

/**
 * Opens the store a DSN names. Each dialect (and its driver) is imported only when its database
 * is used, so a CGI process that talks to SQLite never loads `pg` or `mysql2`.
 */
export async function openStore(dsn: string, credentials: Credentials = {}): Promise<Store> {
  return openStoreConfig(parseDsn(dsn, credentials));
}

/** Opens the store for an already parsed config. */
export async function openStoreConfig(config: StoreConfig): Promise<Store> {
  switch (config.dialect) {
    case 'sqlite': {
      const { SqliteStore } = await import('./sqlite/store.js');
      return SqliteStore.open(config.path);
    }
    case 'postgres': {
      const { openPostgresDialect } = await import('./postgres/dialect.js');
      return SqlStore.open(`PostgreSQL database ${describeAddress('postgres', 5432, config)}`, () => openPostgresDialect(config));
    }
    case 'mysql': {
      const { openMysqlDialect } = await import('./mysql/dialect.js');
      return SqlStore.open(`MySQL database ${describeAddress('mysql', 3306, config)}`, () => openMysqlDialect(config));
    }
  }
}
