import { LATEST_VERSION, MIGRATIONS, SCHEMA_TABLE } from '../migrations.js';
import { integerField } from '../rows.js';
import type { SqliteConnection } from './connection.js';

/** Switches the database to WAL with full syncs: an acknowledged entry survives power loss. */
export async function configure(db: SqliteConnection): Promise<void> {
  // WAL lets readers run while a writer commits; FULL syncs the WAL on every commit
  // (https://sqlite.org/pragma.html#pragma_synchronous).
  await db.exec('PRAGMA journal_mode = WAL');
  await db.exec('PRAGMA synchronous = FULL');
}

/** Applies pending migrations, in order, each recorded in `atommq_schema`. */
export async function migrate(db: SqliteConnection): Promise<void> {
  if (await schemaVersion(db) >= LATEST_VERSION) return;
  // BEGIN IMMEDIATE serialises concurrent first starts: the second process waits, then sees the
  // versions the first one recorded and applies nothing twice.
  await db.exec('BEGIN IMMEDIATE');
  try {
    await db.exec(SCHEMA_TABLE.sqlite);
    const current = await schemaVersion(db);
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      for (const statement of migration.statements.sqlite) await db.exec(statement);
      await db.run('INSERT INTO atommq_schema (version, description, applied) VALUES (?, ?, ?)',
        [migration.version, migration.description, new Date().toISOString()]);
    }
    await db.exec('COMMIT');
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function schemaVersion(db: SqliteConnection): Promise<number> {
  const table = await db.get("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'atommq_schema'");
  if (table === undefined) return 0;
  const row = await db.get('SELECT COALESCE(MAX(version), 0) AS version FROM atommq_schema');
  return integerField(row, 'version');
}
