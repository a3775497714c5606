import type { Session, SqlDialect } from './dialect.js';
import { LATEST_VERSION, MIGRATIONS, schemaTable } from './migrations.js';
import { integerField } from './rows.js';

/**
 * Brings the schema up to date. The adapter's migration lock (SQLite's write lock, a PostgreSQL
 * advisory lock, a MySQL GET_LOCK) makes heads that start at the same moment take turns; each
 * reads the recorded version only after taking it, so nothing is applied twice. Where DDL is
 * transactional, every pending migration and its `atommq_schema` row commit together, or not at
 * all; MySQL commits DDL implicitly, so a migration that fails halfway there leaves its earlier
 * statements in place, unrecorded, for an operator to repair.
 */
export async function migrate(d: SqlDialect): Promise<void> {
  if (await schemaVersion(d.driver.reader, d) >= LATEST_VERSION) return;
  const { driver, adapter, syntax } = d;
  const db = await driver.acquire();
  let failure: unknown;
  try {
    if (adapter.supportsTransactionalDdl) await db.execute(syntax.beginWrite);
    await adapter.acquireMigrationLock(db);
    try {
      await db.execute(schemaTable(syntax.types));
      const current = await schemaVersion(db, d);
      for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
        for (const statement of migration.statements(syntax.types)) await db.execute(statement);
        await db.execute('INSERT INTO atommq_schema (version, description, applied) VALUES (?, ?, ?)',
          [migration.version, migration.description, new Date().toISOString()]);
      }
    } finally {
      await adapter.releaseMigrationLock(db);
    }
    if (adapter.supportsTransactionalDdl) await db.execute('COMMIT');
  } catch (error) {
    failure = error;
    if (adapter.supportsTransactionalDdl) await db.execute('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await driver.release(db, failure);
  }
}

/** The highest recorded schema version; 0 on a database AtomMQ has never touched. */
async function schemaVersion(db: Session, d: SqlDialect): Promise<number> {
  const [table] = await db.query(d.syntax.tableExists('atommq_schema'));
  if (table === undefined) return 0;
  const [row] = await db.query('SELECT COALESCE(MAX(version), 0) AS version FROM atommq_schema');
  return integerField(row, 'version');
}
