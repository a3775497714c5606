import { randomUUID } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { openStore } from '../../lib/storage/open.js';
import { SqliteConnection } from '../../lib/storage/sqlite/connection.js';
import type { NewEntry, Store } from '../../lib/storage/store.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

/** Shared helpers of the storage suites; every suite file loops over the databases itself. */

let counter = 0;

/** A row to append, with a distinct atom:id and a timestamp that grows with each call. */
export function newEntry(xml = `<entry n="${counter}"/>`): NewEntry {
  counter += 1;
  return { atomId: `urn:uuid:${randomUUID()}`, kind: 'entry', updated: new Date(Date.UTC(2024, 0, 1, 0, 0, counter)).toISOString(), xml, mediaType: undefined, mediaSeq: undefined };
}

/** A feed name no other test uses. */
export function feedName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Runs SQL straight on a test database, to look at what the store wrote or to plant a row. */
export async function rawQuery(db: TestDatabase, sql: string): Promise<unknown[]> {
  switch (db.dialect) {
    case 'sqlite': {
      const connection = await SqliteConnection.open(db.dsn.slice('sqlite:'.length), 5_000);
      try { return await connection.all(sql); } finally { await connection.close(); }
    }
    case 'postgres': {
      const client = new pg.Client({ connectionString: db.dsn });
      await client.connect();
      try { return (await client.query(sql)).rows; } finally { await client.end(); }
    }
    case 'mysql': {
      const connection = await createConnection(db.dsn);
      try {
        const [rows] = await connection.query(sql);
        return Array.isArray(rows) ? rows : [];
      } finally { await connection.end(); }
    }
  }
}

/** Opens `count` stores on one database, runs `work`, and closes them whatever happens. */
export async function withStores<T>(dsn: string, count: number, work: (stores: Store[]) => Promise<T>): Promise<T> {
  const stores = await Promise.all(Array.from({ length: count }, () => openStore(dsn)));
  try {
    return await work(stores);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

/** A fresh database for tests that must see an untouched schema or count rows across feeds. */
export async function withFreshDatabase(dialect: TestDatabase['dialect'], work: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await createTestDatabase(dialect);
  if ('skip' in db) throw new Error(db.skip);
  try { await work(db); } finally { await db.dispose(); }
}

/** Resolves as `promise` does, or rejects when it takes longer than `ms`: a bounded wait. */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when `promise` has not settled yet (checked without waiting for anything). */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  return (await Promise.race([promise.then(() => undefined, () => undefined), Promise.resolve(marker)])) === marker;
}

/** The seq of each row, in order. */
export function seqsOf(rows: ReadonlyArray<{ readonly seq: number }>): number[] {
  return rows.map((r) => r.seq);
}

/** The integers from `from` to `to`, both included. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
