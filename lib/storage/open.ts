import type { Credentials, StoreConfig } from './dsn.js';
import { parseDsn } from './dsn.js';
import type { Store } from './store.js';

/**
 * Opens the store a DSN names. Each driver is imported only when its database is used, so a
 * CGI process that talks to SQLite never loads `pg` or `mysql2`.
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
      const { PostgresStore } = await import('./postgres/store.js');
      return PostgresStore.open(config);
    }
    case 'mysql': {
      const { MysqlStore } = await import('./mysql/store.js');
      return MysqlStore.open(config);
    }
  }
}
