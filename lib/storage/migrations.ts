import type { DdlTypes } from './dialect.js';

/**
 * One schema change, written once for every database: the type names and table options that
 * differ come from the dialect's {@link DdlTypes}. The list below is append-only: a shipped
 * migration is never changed in meaning, a new one is added with the next version. The runner
 * (migrate.ts) applies the pending ones in order, under a lock, and records each version in
 * `atommq_schema`.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  statements(t: DdlTypes): readonly string[];
}

/** Creates the version table; run before any migration. */
export function schemaTable(t: DdlTypes): string {
  return `CREATE TABLE IF NOT EXISTS atommq_schema (version INTEGER PRIMARY KEY, description ${t.text(200)} NOT NULL,
    applied ${t.text(40)} NOT NULL)${t.table}`;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'feeds with a per-feed sequence counter, and the entry log',
    statements: (t) => [
      `CREATE TABLE atommq_feed (
        id ${t.id},
        name ${t.text(255)} NOT NULL,
        name_key ${t.text(255)} NOT NULL UNIQUE,
        atom_id ${t.text(64)} NOT NULL,
        created ${t.text(40)} NOT NULL,
        updated ${t.text(40)} NOT NULL,
        last_seq ${t.bigint} NOT NULL DEFAULT 0)${t.table}`,
      `CREATE TABLE atommq_entry (
        feed_id ${t.bigint} NOT NULL,
        seq ${t.bigint} NOT NULL,
        member ${t.bigint} NOT NULL,
        atom_id ${t.text(64)} NOT NULL,
        kind ${t.text(16)} NOT NULL,
        updated ${t.text(40)} NOT NULL,
        xml ${t.longText} NOT NULL,
        PRIMARY KEY (feed_id, seq),
        FOREIGN KEY (feed_id) REFERENCES atommq_feed (id))${t.keyedTable}`,
      'CREATE INDEX atommq_entry_by_atom_id ON atommq_entry (feed_id, atom_id, seq)',
      'CREATE INDEX atommq_entry_by_member ON atommq_entry (feed_id, member, seq)',
    ],
  },
  {
    version: 2,
    description: 'media resources, idempotency keys, per-feed settings and retention',
    statements: (t) => [
      `ALTER TABLE atommq_entry ADD COLUMN media_type ${t.text(255)}`,
      `CREATE TABLE atommq_media (
        feed_id ${t.bigint} NOT NULL,
        member ${t.bigint} NOT NULL,
        content_type ${t.text(255)} NOT NULL,
        bytes ${t.bytes} NOT NULL,
        PRIMARY KEY (feed_id, member),
        FOREIGN KEY (feed_id) REFERENCES atommq_feed (id))${t.keyedTable}`,
      `CREATE TABLE atommq_idempotency (
        feed_id ${t.bigint} NOT NULL,
        idem_key ${t.text(255)} NOT NULL,
        fingerprint ${t.text(128)} NOT NULL,
        first_seq ${t.bigint} NOT NULL,
        last_seq ${t.bigint} NOT NULL,
        created ${t.text(40)} NOT NULL,
        PRIMARY KEY (feed_id, idem_key),
        FOREIGN KEY (feed_id) REFERENCES atommq_feed (id))${t.keyedTable}`,
      'CREATE INDEX atommq_idempotency_by_created ON atommq_idempotency (created)',
      `ALTER TABLE atommq_feed ADD COLUMN max_age_seconds ${t.bigint}`,
      `ALTER TABLE atommq_feed ADD COLUMN max_count ${t.bigint}`,
      `ALTER TABLE atommq_feed ADD COLUMN page_size ${t.integer}`,
      `ALTER TABLE atommq_feed ADD COLUMN pruned_through ${t.bigint} NOT NULL DEFAULT 0`,
    ],
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
