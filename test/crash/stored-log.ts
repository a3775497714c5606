import assert from 'node:assert/strict';
import sqlite3 from 'sqlite3';
import { feedKey } from '../../lib/storage/rows.js';
import type { Ledger } from './ledger.js';

/** One stored row of a feed's log. */
export interface StoredRow {
  readonly seq: number;
  readonly atomId: string;
  readonly title: string;
}

/** A feed's log as the database holds it. */
export interface StoredLog {
  /** The feed's counter row (`atommq_feed.last_seq`). */
  readonly lastSeq: number;
  /** Every row, in seq order. */
  readonly rows: readonly StoredRow[];
}

/** The SQL that reads a log, with `?` placeholders for the feed's name_key. */
const LOG_QUERIES = {
  lastSeq: 'SELECT last_seq FROM atommq_feed WHERE name_key = ?',
  rows: 'SELECT e.seq, e.atom_id, e.xml FROM atommq_entry AS e JOIN atommq_feed AS f ON f.id = e.feed_id WHERE f.name_key = ? ORDER BY e.seq',
} as const;

/** Turns raw rows (`seq`, `atom_id`, `xml`) into stored rows; a row without a title gets ''. */
export function toStoredRows(rows: readonly unknown[]): StoredRow[] {
  return rows.map((row) => {
    const title = /<title[^>]*>([^<]*)<\/title>/.exec(String(field(row, 'xml')))?.[1] ?? '';
    return { seq: Number(field(row, 'seq')), atomId: String(field(row, 'atom_id')), title };
  });
}

/** A column of a driver's row. */
export function field(row: unknown, name: string): unknown {
  return typeof row === 'object' && row !== null ? Reflect.get(row, name) : undefined;
}

/** How many entries whose request got no answer were committed anyway (allowed, and worth seeing). */
export function countUnansweredStored(log: StoredLog, ledger: Ledger): number {
  return log.rows.filter((r) => ledger.unknown.has(r.title)).length;
}

/**
 * Opens a SQLite file with the sqlite3 package (read-only, no AtomMQ code involved), runs
 * `PRAGMA integrity_check` and reads the feed's log.
 */
export async function readSqliteLog(path: string, feed: string): Promise<StoredLog & { readonly integrity: string }> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (error) => (error ? reject(error) : resolve(opened)));
  });
  const all = (sql: string, params: unknown[] = []): Promise<unknown[]> =>
    new Promise((resolve, reject) => db.all(sql, params, (error: Error | null, rows: unknown[]) => (error ? reject(error) : resolve(rows))));
  try {
    const integrity = (await all('PRAGMA integrity_check')).map((r) => String(field(r, 'integrity_check'))).join('; ');
    const [counter] = await all(LOG_QUERIES.lastSeq, [feedKey(feed)]);
    const lastSeq = counter === undefined ? 0 : Number(field(counter, 'last_seq'));
    return { integrity, lastSeq, rows: toStoredRows(await all(LOG_QUERIES.rows, [feedKey(feed)])) };
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}

/**
 * The crash guarantees, checked against what the publishers were told:
 * - sequence numbers are gapless 1..N, and the feed's counter is N;
 * - no entry is stored twice (acknowledged or not);
 * - every 201-acknowledged entry is stored, at the seq and with the atom:id its 201 named;
 * - nothing is stored that no publisher sent.
 */
export function assertLogKeepsLedger(log: StoredLog, ledger: Ledger): void {
  assert.deepEqual(log.rows.map((r) => r.seq), Array.from({ length: log.rows.length }, (_, i) => i + 1), 'sequence numbers are gapless 1..N');
  assert.equal(log.lastSeq, log.rows.length, 'the feed counter equals the number of rows');
  const byTitle = new Map<string, StoredRow[]>();
  for (const row of log.rows) byTitle.set(row.title, [...(byTitle.get(row.title) ?? []), row]);
  const duplicated = [...byTitle].filter(([, rows]) => rows.length > 1).map(([title, rows]) => `${title} at ${rows.map((r) => r.seq).join(',')}`);
  assert.deepEqual(duplicated, [], 'no entry is stored twice');
  const lost = [...ledger.acked].filter(([title]) => !byTitle.has(title)).map(([title, ack]) => `${title} (201 said seq ${ack.seq})`);
  assert.deepEqual(lost, [], 'every 201-acknowledged entry is stored');
  const moved = [...ledger.acked].filter(([title, ack]) => {
    const row = byTitle.get(title)?.[0];
    return row !== undefined && (row.seq !== ack.seq || row.atomId !== ack.atomId);
  }).map(([title]) => title);
  assert.deepEqual(moved, [], 'every acknowledged entry is stored at the seq and atom:id its 201 named');
  const strangers = log.rows.filter((r) => !ledger.acked.has(r.title) && !ledger.unknown.has(r.title)).map((r) => r.title);
  assert.deepEqual(strangers, [], 'nothing is stored that was not sent');
}
