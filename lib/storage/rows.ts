import type { EntryRecord, FeedRecord } from './store.js';

/**
 * Narrowing of database rows, shared by every dialect. Drivers disagree on integer types (pg
 * returns BIGINT as a string, mysql2 as a number), so integers are accepted in any of those forms.
 */

function field(row: unknown, name: string): unknown {
  if (typeof row !== 'object' || row === null) throw new TypeError(`store: row is not an object`);
  return Reflect.get(row, name);
}

/** Reads an integer column that a driver may return as number, bigint or decimal string. */
export function integerField(row: unknown, name: string): number {
  const value = field(row, name);
  const n = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`store: column ${name} is not an integer`);
  return n;
}

/** Reads a binary column (BLOB, BYTEA, LONGBLOB) as bytes. */
export function bytesField(row: unknown, name: string): Uint8Array {
  const value = field(row, name);
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value);
  throw new TypeError(`store: column ${name} is not binary`);
}

/** Reads a text column. */
export function textField(row: unknown, name: string): string {
  const value = field(row, name);
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  throw new TypeError(`store: column ${name} is not text`);
}

/** Reads a nullable column with `read`. */
function optional<T>(row: unknown, name: string, read: (row: unknown, name: string) => T): T | undefined {
  const value = field(row, name);
  return value === null || value === undefined ? undefined : read(row, name);
}

/** Converts an `atommq_feed` row. */
export function toFeedRecord(row: unknown): FeedRecord {
  return {
    id: integerField(row, 'id'), name: textField(row, 'name'), atomId: textField(row, 'atom_id'),
    created: textField(row, 'created'), updated: textField(row, 'updated'),
    lastSeq: integerField(row, 'last_seq'), prunedThrough: integerField(row, 'pruned_through'),
    settings: {
      maxAgeSeconds: optional(row, 'max_age_seconds', integerField),
      maxCount: optional(row, 'max_count', integerField),
      pageSize: optional(row, 'page_size', integerField),
    },
  };
}

/** Converts an `atommq_entry` row. */
export function toEntryRecord(row: unknown): EntryRecord {
  const kind = textField(row, 'kind');
  if (kind !== 'entry' && kind !== 'tombstone') throw new TypeError(`store: unknown entry kind ${kind}`);
  return {
    seq: integerField(row, 'seq'), member: integerField(row, 'member'), atomId: textField(row, 'atom_id'), kind,
    updated: textField(row, 'updated'), xml: textField(row, 'xml'), mediaType: optional(row, 'media_type', textField),
    mediaSeq: optional(row, 'media_seq', integerField),
  };
}

/** The case-insensitive lookup key of a feed name. */
export function feedKey(name: string): string { return name.toLowerCase(); }

/** The columns every query selects for a feed and for an entry. */
export const FEED_COLUMNS = 'id, name, atom_id, created, updated, last_seq, pruned_through, max_age_seconds, max_count, page_size';
export const ENTRY_COLUMNS = 'seq, member, atom_id, kind, updated, xml, media_type, media_seq';
