import type pg from 'pg';
import { LATEST_VERSION, MIGRATIONS, SCHEMA_TABLE } from '../migrations.js';
import { integerField } from '../rows.js';

/** The part of `pg`'s Pool and PoolClient that AtomMQ calls: one query, rows (or a row count) back. */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ readonly rows: readonly unknown[]; readonly rowCount: number | null }>;
}

/**
 * The advisory lock key that serialises migrations: "AtomMQ" in ASCII. Advisory locks are scoped
 * to one database, so heads of different databases on one server never wait for each other.
 */
const MIGRATION_LOCK = 0x41746f6d4d51;

/**
 * Brings the schema up to date. PostgreSQL DDL is transactional, so every pending migration and
 * its `atommq_schema` row commit together, or not at all. `pg_advisory_xact_lock` makes heads that
 * start at the same moment take turns; the later ones then find the versions recorded and apply
 * nothing twice. The lock is released by the COMMIT or ROLLBACK.
 */
export async function migrate(pool: pg.Pool): Promise<void> {
  if (await schemaVersion(pool) >= LATEST_VERSION) return;
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(SCHEMA_TABLE.postgres);
    const current = await schemaVersion(client);
    for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
      for (const statement of migration.statements.postgres) await client.query(statement);
      await client.query('INSERT INTO atommq_schema (version, description, applied) VALUES ($1, $2, $3)',
        [migration.version, migration.description, new Date().toISOString()]);
    }
    await client.query('COMMIT');
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(failure);
  }
}

/** The highest recorded schema version; 0 on a database AtomMQ has never touched. */
async function schemaVersion(db: Queryable): Promise<number> {
  const table = await db.query("SELECT (to_regclass('atommq_schema') IS NOT NULL)::int AS present");
  if (integerField(table.rows[0], 'present') === 0) return 0;
  const { rows } = await db.query('SELECT COALESCE(MAX(version), 0) AS version FROM atommq_schema');
  return integerField(rows[0], 'version');
}
