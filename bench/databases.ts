import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { scratchDir, startHttpDeployment } from './deployments.js';
import type { PhaseContext } from './measure.js';
import { ENTRY_BODY, ENTRY_HEADERS, measurePublish, measureReads, topUp } from './measure.js';

/** The benchmark's own database on a server; dropped before and after each use. */
export const BENCH_DATABASE = 'atommq_bench';

/** The database servers of the development machines and CI (issue 3, "Test environment"). */
const SERVERS = {
  postgres: process.env['ATOMMQ_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  mysql: process.env['ATOMMQ_BENCH_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql',
} as const;

/** A fresh empty database: the DSN `atommq serve` opens it with, and how to drop it. */
export interface BenchDatabase {
  readonly dsn: string;
  drop(): Promise<void>;
}

/** Creates {@link BENCH_DATABASE} afresh on the server, or says why it cannot. */
export async function createBenchDatabase(dialect: 'postgres' | 'mysql'): Promise<BenchDatabase | { readonly unavailable: string }> {
  const admin = dialect === 'postgres' ? postgresAdmin : mysqlAdmin;
  const drop = dialect === 'postgres' ? `DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${BENCH_DATABASE}`;
  const create = dialect === 'postgres'
    ? `CREATE DATABASE ${BENCH_DATABASE}`
    : `CREATE DATABASE ${BENCH_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;
  try {
    await admin(drop);
    await admin(create);
  } catch (error) {
    return { unavailable: `${dialect} server unavailable: ${error instanceof Error ? error.message : String(error)}` };
  }
  const url = new URL(SERVERS[dialect]);
  url.pathname = `/${BENCH_DATABASE}`;
  return { dsn: url.toString(), drop: () => admin(drop) };
}

async function postgresAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVERS.postgres, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function mysqlAdmin(sql: string): Promise<void> {
  const connection = await createConnection({ uri: SERVERS.mysql, connectTimeout: 5_000 });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/** The feed's highest seq, read straight from the server database (the SQLite rows read the file). */
async function serverLastSeq(dialect: 'postgres' | 'mysql', dsn: string, feedName: string): Promise<number> {
  const sql = 'SELECT last_seq FROM atommq_feed WHERE name_key = ';
  if (dialect === 'postgres') {
    const client = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return Number((await client.query(`${sql}$1`, [feedName.toLowerCase()])).rows[0]?.last_seq ?? 0);
    } finally {
      await client.end();
    }
  }
  const connection = await createConnection({ uri: dsn, connectTimeout: 5_000 });
  try {
    const [rows] = await connection.query(`${sql}?`, [feedName.toLowerCase()]);
    const [row]: unknown[] = Array.isArray(rows) ? rows : [];
    return Number(typeof row === 'object' && row !== null ? Reflect.get(row, 'last_seq') : 0);
  } finally {
    await connection.end();
  }
}

/**
 * Publish and cursor-read rates through `atommq serve` HTTP on PostgreSQL and MariaDB, each in a
 * fresh database: the same rows as SQLite's (the http phase), so the three compare.
 */
export async function databasesPhase(ctx: PhaseContext): Promise<void> {
  for (const dialect of ['postgres', 'mysql'] as const) {
    const db = await createBenchDatabase(dialect);
    if ('unavailable' in db) {
      ctx.results.databases[dialect] = { unavailable: `n/a (${db.unavailable})` };
      continue;
    }
    const dropDb = ctx.onCleanup(db.drop);
    const scratch = await scratchDir(dialect);
    const removeDir = ctx.onCleanup(scratch.remove);
    const { deployment, stop } = await startHttpDeployment(scratch.dir, scratch.probeDir, db.dsn);
    const stopServer = ctx.onCleanup(stop);
    try {
      const probe = await fetch(deployment.collectionUrl, { method: 'POST', body: ENTRY_BODY, headers: ENTRY_HEADERS });
      const text = await probe.text();
      if (probe.status !== 201) {
        const detail = /<detail>([^<]*)<\/detail>/.exec(text)?.[1] ?? text.slice(0, 120);
        ctx.results.databases[dialect] = { unavailable: `n/a (store not available: POST answered ${probe.status}: ${detail.trim()})` };
        continue;
      }
      ctx.log(`publish on ${dialect}, 1 and 16 connections`);
      const c1 = await measurePublish(deployment.collectionUrl, 1, ctx.timing);
      const c16 = await measurePublish(deployment.collectionUrl, 16, ctx.timing);
      let last = await serverLastSeq(dialect, db.dsn, deployment.feedName);
      if (last < 1020) await topUp(deployment.collectionUrl, last, 1020);
      last = await serverLastSeq(dialect, db.dsn, deployment.feedName);
      ctx.log(`reads on ${dialect} (feed of ${last} entries)`);
      const reads = await measureReads(deployment.collectionUrl, `start_after=${last - 20}&limit=20`, ctx.timing);
      ctx.results.databases[dialect] = { c1: c1.load, c16: c16.load, reads };
    } finally {
      await stopServer();
      await removeDir();
      await dropDb();
    }
  }
}
