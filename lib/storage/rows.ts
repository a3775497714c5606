import type { EntryKind, EntryRecord, FeedRecord } from './store.js';

/**
 * Narrowing of database rows, shared by every dialect. Drivers disagree on integer types (pg
 * returns BIGINT as a string, mysql2 as a number), so integers are accepted in any of those forms.
 */

function field(row: unknown, name: string): unknown {
  if (typeof row !== 'object' || row === null) throw new TypeError(`store: row is not an object`);
  return (row as Record<string, unknown>)[name];
}

/** Reads an integer column that a driver may return as number, bigint or decimal string. */
export function integerField(row: unknown, name: string): number {
  const value = field(row, name);
  const n = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`store: column ${name} is not an integer`);
  return n;
}

/** Reads a text column. */
export function textField(row: unknown, name: string): string {
  const value = field(row, name);
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  throw new TypeError(`store: column ${name} is not text`);
}

function kindField(row: unknown): EntryKind {
  const kind = textField(row, 'kind');
  if (kind === 'entry' || kind === 'tombstone') return kind;
  throw new TypeError(`store: unknown entry kind ${kind}`);
}

/** Converts an `atommq_feed` row. */
export function toFeedRecord(row: unknown): FeedRecord {
  return {
    id: integerField(row, 'id'),
    name: textField(row, 'name'),
    atomId: textField(row, 'atom_id'),
    created: textField(row, 'created'),
    updated: textField(row, 'updated'),
    lastSeq: integerField(row, 'last_seq'),
  };
}

/** Converts an `atommq_entry` row. */
export function toEntryRecord(row: unknown): EntryRecord {
  return {
    seq: integerField(row, 'seq'),
    member: integerField(row, 'member'),
    atomId: textField(row, 'atom_id'),
    kind: kindField(row),
    updated: textField(row, 'updated'),
    xml: textField(row, 'xml'),
  };
}

/** The case-insensitive lookup key of a feed name. */
export function feedKey(name: string): string {
  return name.toLowerCase();
}

/** The columns every dialect selects for a feed and for an entry. */
export const FEED_COLUMNS = 'id, name, atom_id, created, updated, last_seq';
export const ENTRY_COLUMNS = 'seq, member, atom_id, kind, updated, xml';
