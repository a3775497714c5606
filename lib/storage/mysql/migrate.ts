import type { Pool } from 'mysql2/promise';
import { LATEST_VERSION, MIGRATIONS, SCHEMA_TABLE } from '../migrations.js';
import { integerField } from '../rows.js';

/** The part of mysql2's Pool and PoolConnection that AtomMQ calls. */
export interface Queryable {
  query(sql: string, values?: unknown[]): Promise<[unknown, unknown]>;
}

/** The rows of a SELECT, or none for a statement that returned an OK packet. */
export function rowsOf([result]: [unknown, unknown]): readonly unknown[] {
  return Array.isArray(result) ? result : [];
}

/** How long a starting head waits for another head's migration, in seconds. */
const LOCK_WAIT_S = 60;
/** GET_LOCK names are server-wide and at most 64 characters: scope the lock to this database. */
const LOCK_NAME = "LEFT(CONCAT('atommq_migrate:', DATABASE()), 64)";

/**
 * Brings the schema up to date. MySQL DDL commits implicitly, so no transaction can hold a
 * migration together; instead a named lock (GET_LOCK) makes heads that start at the same moment
 * take turns on one connection, and each reads the recorded version only after taking the lock,
 * so nothing is applied twice. A migration that fails halfway leaves its earlier statements in
 * place, unrecorded; an operator must then repair the schema by hand.
 */
export async function migrate(pool: Pool): Promise<void> {
  if (await schemaVersion(pool) >= LATEST_VERSION) return;
  const connection = await pool.getConnection();
  let isBroken = false;
  try {
    const [lock] = rowsOf(await connection.query(`SELECT COALESCE(GET_LOCK(${LOCK_NAME}, ?), 0) AS locked`, [LOCK_WAIT_S]));
    if (integerField(lock, 'locked') !== 1) {
      throw new Error(`timed out after ${LOCK_WAIT_S} s waiting for another process to finish migrating`);
    }
    try {
      await connection.query(SCHEMA_TABLE.mysql);
      const current = await schemaVersion(connection);
      for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
        for (const statement of migration.statements.mysql) await connection.query(statement);
        await connection.query('INSERT INTO atommq_schema (version, description, applied) VALUES (?, ?, ?)',
          [migration.version, migration.description, new Date().toISOString()]);
      }
    } finally {
      await connection.query(`DO RELEASE_LOCK(${LOCK_NAME})`);
    }
  } catch (error) {
    // The lock also ends with the session: dropping the connection releases it whatever failed.
    isBroken = true;
    throw error;
  } finally {
    if (isBroken) connection.destroy();
    else connection.release();
  }
}

/** The highest recorded schema version; 0 on a database AtomMQ has never touched. */
async function schemaVersion(db: Queryable): Promise<number> {
  const [table] = rowsOf(await db.query(
    "SELECT COUNT(*) AS present FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'atommq_schema'"));
  if (integerField(table, 'present') === 0) return 0;
  const [row] = rowsOf(await db.query('SELECT COALESCE(MAX(version), 0) AS version FROM atommq_schema'));
  return integerField(row, 'version');
}
