import type { Session, SqlDialect } from './dialect.js';
import { LATEST_VERSION, MIGRATIONS, schemaTable } from './migrations.js';
import { integerField } from './rows.js';

/**
 * Brings the schema up to date. The migration lock (SQLite's write lock, a PostgreSQL advisory
 * lock, MySQL's GET_LOCK) makes heads that start at once take turns, each reading the recorded
 * version after taking it, so nothing is applied twice. With transactional DDL the pending
 * migrations and their `atommq_schema` rows commit together; MySQL commits DDL implicitly, so a
 * migration failing halfway there leaves its earlier statements, unrecorded, for an operator.
 */
export async function migrate(d: SqlDialect): Promise<void> {
  // A database AtomMQ never touched has no atommq_schema: version 0. Any other failure of this
  // unlocked look surfaces again below, where the version is read under the lock.
  if (await schemaVersion(d.driver.reader).catch(() => 0) >= LATEST_VERSION) return;
  const { driver, adapter, syntax } = d;
  const db = await driver.acquire();
  let failure: unknown;
  try {
    if (adapter.supportsTransactionalDdl) await db.run(syntax.beginWrite);
    await adapter.acquireMigrationLock(db);
    try {
      await db.run(schemaTable(syntax.types));
      const current = await schemaVersion(db);
      for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
        for (const statement of migration.statements(syntax.types)) await db.run(statement);
        await db.run('INSERT INTO atommq_schema (version, description, applied) VALUES (?, ?, ?)',
          [migration.version, migration.description, new Date().toISOString()]);
      }
    } finally {
      await adapter.releaseMigrationLock(db);
    }
    if (adapter.supportsTransactionalDdl) await db.run('COMMIT');
  } catch (error) {
    failure = error;
    if (adapter.supportsTransactionalDdl) await db.run('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await driver.release(db, failure);
  }
}

/** The highest recorded schema version. */
async function schemaVersion(db: Session): Promise<number> {
  const [row] = await db.all('SELECT COALESCE(MAX(version), 0) AS version FROM atommq_schema');
  return integerField(row, 'version');
}
