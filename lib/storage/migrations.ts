import type { Dialect } from './store.js';

/**
 * One schema change. The list below is append-only: a shipped migration is never edited, a new
 * one is added with the next version. Each store runs the pending ones in order, under a lock,
 * and records each version in `atommq_schema`.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly statements: Readonly<Record<Dialect, readonly string[]>>;
}

/** Creates the version table; run before any migration. */
export const SCHEMA_TABLE: Readonly<Record<Dialect, string>> = {
  sqlite: 'CREATE TABLE IF NOT EXISTS atommq_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied TEXT NOT NULL)',
  postgres: 'CREATE TABLE IF NOT EXISTS atommq_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied TEXT NOT NULL)',
  mysql: 'CREATE TABLE IF NOT EXISTS atommq_schema (version INTEGER PRIMARY KEY, description VARCHAR(200) NOT NULL, applied VARCHAR(40) NOT NULL) ENGINE=InnoDB',
};

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'feeds with a per-feed sequence counter, and the entry log',
    statements: {
      sqlite: [
        `CREATE TABLE atommq_feed (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          name_key TEXT NOT NULL UNIQUE,
          atom_id TEXT NOT NULL,
          created TEXT NOT NULL,
          updated TEXT NOT NULL,
          last_seq INTEGER NOT NULL DEFAULT 0)`,
        `CREATE TABLE atommq_entry (
          feed_id INTEGER NOT NULL REFERENCES atommq_feed (id),
          seq INTEGER NOT NULL,
          member INTEGER NOT NULL,
          atom_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          updated TEXT NOT NULL,
          xml TEXT NOT NULL,
          PRIMARY KEY (feed_id, seq)) WITHOUT ROWID`,
        'CREATE INDEX atommq_entry_by_atom_id ON atommq_entry (feed_id, atom_id, seq)',
        'CREATE INDEX atommq_entry_by_member ON atommq_entry (feed_id, member, seq)',
      ],
      postgres: [
        `CREATE TABLE atommq_feed (
          id BIGSERIAL PRIMARY KEY,
          name TEXT NOT NULL,
          name_key TEXT NOT NULL UNIQUE,
          atom_id TEXT NOT NULL,
          created TEXT NOT NULL,
          updated TEXT NOT NULL,
          last_seq BIGINT NOT NULL DEFAULT 0)`,
        `CREATE TABLE atommq_entry (
          feed_id BIGINT NOT NULL REFERENCES atommq_feed (id),
          seq BIGINT NOT NULL,
          member BIGINT NOT NULL,
          atom_id TEXT NOT NULL,
          kind TEXT NOT NULL,
          updated TEXT NOT NULL,
          xml TEXT NOT NULL,
          PRIMARY KEY (feed_id, seq))`,
        'CREATE INDEX atommq_entry_by_atom_id ON atommq_entry (feed_id, atom_id, seq)',
        'CREATE INDEX atommq_entry_by_member ON atommq_entry (feed_id, member, seq)',
      ],
      mysql: [
        `CREATE TABLE atommq_feed (
          id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
          name VARCHAR(255) NOT NULL,
          name_key VARCHAR(255) NOT NULL UNIQUE,
          atom_id VARCHAR(64) NOT NULL,
          created VARCHAR(40) NOT NULL,
          updated VARCHAR(40) NOT NULL,
          last_seq BIGINT NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
        `CREATE TABLE atommq_entry (
          feed_id BIGINT NOT NULL,
          seq BIGINT NOT NULL,
          member BIGINT NOT NULL,
          atom_id VARCHAR(64) NOT NULL,
          kind VARCHAR(16) NOT NULL,
          updated VARCHAR(40) NOT NULL,
          xml MEDIUMTEXT NOT NULL,
          PRIMARY KEY (feed_id, seq),
          KEY atommq_entry_by_atom_id (feed_id, atom_id, seq),
          KEY atommq_entry_by_member (feed_id, member, seq),
          FOREIGN KEY (feed_id) REFERENCES atommq_feed (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      ],
    },
  },
  {
    version: 2,
    description: 'media resources, idempotency keys, per-feed settings and retention',
    statements: {
      sqlite: [
        'ALTER TABLE atommq_entry ADD COLUMN media_type TEXT',
        `CREATE TABLE atommq_media (
          feed_id INTEGER NOT NULL REFERENCES atommq_feed (id),
          member INTEGER NOT NULL,
          content_type TEXT NOT NULL,
          bytes BLOB NOT NULL,
          PRIMARY KEY (feed_id, member)) WITHOUT ROWID`,
        `CREATE TABLE atommq_idempotency (
          feed_id INTEGER NOT NULL REFERENCES atommq_feed (id),
          idem_key TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          first_seq INTEGER NOT NULL,
          last_seq INTEGER NOT NULL,
          created TEXT NOT NULL,
          PRIMARY KEY (feed_id, idem_key)) WITHOUT ROWID`,
        'CREATE INDEX atommq_idempotency_by_created ON atommq_idempotency (created)',
        'ALTER TABLE atommq_feed ADD COLUMN max_age_seconds INTEGER',
        'ALTER TABLE atommq_feed ADD COLUMN max_count INTEGER',
        'ALTER TABLE atommq_feed ADD COLUMN page_size INTEGER',
        'ALTER TABLE atommq_feed ADD COLUMN pruned_through INTEGER NOT NULL DEFAULT 0',
      ],
      postgres: [
        'ALTER TABLE atommq_entry ADD COLUMN media_type TEXT',
        `CREATE TABLE atommq_media (
          feed_id BIGINT NOT NULL REFERENCES atommq_feed (id),
          member BIGINT NOT NULL,
          content_type TEXT NOT NULL,
          bytes BYTEA NOT NULL,
          PRIMARY KEY (feed_id, member))`,
        `CREATE TABLE atommq_idempotency (
          feed_id BIGINT NOT NULL REFERENCES atommq_feed (id),
          idem_key TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          first_seq BIGINT NOT NULL,
          last_seq BIGINT NOT NULL,
          created TEXT NOT NULL,
          PRIMARY KEY (feed_id, idem_key))`,
        'CREATE INDEX atommq_idempotency_by_created ON atommq_idempotency (created)',
        'ALTER TABLE atommq_feed ADD COLUMN max_age_seconds BIGINT',
        'ALTER TABLE atommq_feed ADD COLUMN max_count BIGINT',
        'ALTER TABLE atommq_feed ADD COLUMN page_size INTEGER',
        'ALTER TABLE atommq_feed ADD COLUMN pruned_through BIGINT NOT NULL DEFAULT 0',
      ],
      mysql: [
        'ALTER TABLE atommq_entry ADD COLUMN media_type VARCHAR(255) NULL',
        `CREATE TABLE atommq_media (
          feed_id BIGINT NOT NULL,
          member BIGINT NOT NULL,
          content_type VARCHAR(255) NOT NULL,
          bytes LONGBLOB NOT NULL,
          PRIMARY KEY (feed_id, member),
          FOREIGN KEY (feed_id) REFERENCES atommq_feed (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
        `CREATE TABLE atommq_idempotency (
          feed_id BIGINT NOT NULL,
          idem_key VARCHAR(255) NOT NULL,
          fingerprint VARCHAR(128) NOT NULL,
          first_seq BIGINT NOT NULL,
          last_seq BIGINT NOT NULL,
          created VARCHAR(40) NOT NULL,
          PRIMARY KEY (feed_id, idem_key),
          KEY atommq_idempotency_by_created (created),
          FOREIGN KEY (feed_id) REFERENCES atommq_feed (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
        `ALTER TABLE atommq_feed ADD COLUMN max_age_seconds BIGINT NULL, ADD COLUMN max_count BIGINT NULL,
          ADD COLUMN page_size INTEGER NULL, ADD COLUMN pruned_through BIGINT NOT NULL DEFAULT 0`,
      ],
    },
  },
  {
    version: 3,
    description: 'consumer groups: one row per group, one row per entry a group has handed out',
    statements: {
      sqlite: [
        `CREATE TABLE atommq_group (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          feed_id INTEGER NOT NULL,
          name TEXT NOT NULL,
          name_key TEXT NOT NULL,
          created TEXT NOT NULL,
          lease_ms INTEGER NOT NULL,
          max_deliveries INTEGER NOT NULL,
          claimed_through INTEGER NOT NULL,
          version INTEGER NOT NULL DEFAULT 0,
          parked_expired INTEGER NOT NULL DEFAULT 0,
          UNIQUE (feed_id, name_key))`,
        `CREATE TABLE atommq_group_entry (
          group_id INTEGER NOT NULL,
          seq INTEGER NOT NULL,
          state TEXT NOT NULL,
          token TEXT NOT NULL,
          deliveries INTEGER NOT NULL,
          due_ms INTEGER NOT NULL,
          changed_ms INTEGER NOT NULL,
          PRIMARY KEY (group_id, seq)) WITHOUT ROWID`,
        'CREATE INDEX atommq_group_entry_by_state ON atommq_group_entry (group_id, state, seq)',
      ],
      postgres: [
        `CREATE TABLE atommq_group (
          id BIGSERIAL PRIMARY KEY,
          feed_id BIGINT NOT NULL,
          name TEXT NOT NULL,
          name_key TEXT NOT NULL,
          created TEXT NOT NULL,
          lease_ms BIGINT NOT NULL,
          max_deliveries INTEGER NOT NULL,
          claimed_through BIGINT NOT NULL,
          version BIGINT NOT NULL DEFAULT 0,
          parked_expired BIGINT NOT NULL DEFAULT 0,
          UNIQUE (feed_id, name_key))`,
        `CREATE TABLE atommq_group_entry (
          group_id BIGINT NOT NULL,
          seq BIGINT NOT NULL,
          state TEXT NOT NULL,
          token TEXT NOT NULL,
          deliveries INTEGER NOT NULL,
          due_ms BIGINT NOT NULL,
          changed_ms BIGINT NOT NULL,
          PRIMARY KEY (group_id, seq))`,
        'CREATE INDEX atommq_group_entry_by_state ON atommq_group_entry (group_id, state, seq)',
      ],
      mysql: [
        `CREATE TABLE atommq_group (
          id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
          feed_id BIGINT NOT NULL,
          name VARCHAR(255) NOT NULL,
          name_key VARCHAR(255) NOT NULL,
          created VARCHAR(40) NOT NULL,
          lease_ms BIGINT NOT NULL,
          max_deliveries INTEGER NOT NULL,
          claimed_through BIGINT NOT NULL,
          version BIGINT NOT NULL DEFAULT 0,
          parked_expired BIGINT NOT NULL DEFAULT 0,
          UNIQUE KEY atommq_group_by_name (feed_id, name_key)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
        `CREATE TABLE atommq_group_entry (
          group_id BIGINT NOT NULL,
          seq BIGINT NOT NULL,
          state VARCHAR(8) NOT NULL,
          token VARCHAR(32) NOT NULL,
          deliveries INTEGER NOT NULL,
          due_ms BIGINT NOT NULL,
          changed_ms BIGINT NOT NULL,
          PRIMARY KEY (group_id, seq),
          KEY atommq_group_entry_by_state (group_id, state, seq)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
      ],
    },
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
