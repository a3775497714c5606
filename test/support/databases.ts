import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { parseDsn, redact } from '../../lib/storage/dsn.js';
import type { Dialect } from '../../lib/storage/store.js';

/** A fresh, empty database for one test; `dsn` opens it, `dispose` drops it. */
export interface TestDatabase {
  readonly dialect: Dialect;
  readonly dsn: string;
  dispose(): Promise<void>;
}

const ALL_DIALECTS: readonly Dialect[] = ['sqlite', 'postgres', 'mysql'];

/** The servers tests create their databases on; `.ci/run` sets both variables. */
const SERVER_URLS = {
  postgres: process.env['ATOMMQ_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env['ATOMMQ_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test',
} as const;

/**
 * The dialects to test: all three, or those listed in `ATOMMQ_TEST_DIALECTS` (for example
 * `sqlite,postgres`).
 */
export const DIALECTS: readonly Dialect[] = selectDialects(process.env['ATOMMQ_TEST_DIALECTS']);

function selectDialects(list: string | undefined): readonly Dialect[] {
  if (list === undefined || list.trim() === '') return ALL_DIALECTS;
  const wanted = list.split(',').map((d) => d.trim().toLowerCase()).filter((d) => d !== '');
  const unknown = wanted.filter((d) => !ALL_DIALECTS.some((known) => known === d));
  if (unknown.length > 0) throw new Error(`ATOMMQ_TEST_DIALECTS names unknown dialects: ${unknown.join(', ')}`);
  return ALL_DIALECTS.filter((d) => wanted.includes(d));
}

/**
 * A fresh, empty database of that dialect; `{ skip: reason }` when unavailable locally; throws
 * when `process.env.CI === 'true'` and unavailable, since CI must test every database.
 */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase | { readonly skip: string }> {
  try {
    switch (dialect) {
      case 'sqlite':
        return await createSqlite();
      case 'postgres':
        return await createServerDatabase('postgres', SERVER_URLS.postgres);
      case 'mysql':
        return await createServerDatabase('mysql', SERVER_URLS.mysql);
    }
  } catch (error) {
    const reason = `${dialect} is unavailable at ${redact(serverUrl(dialect))}: ${messageOf(error)}`;
    if (process.env['CI'] === 'true') throw new Error(`CI=true, so every database must be available; ${reason}`, { cause: error });
    return { skip: `${reason} (set ATOMMQ_TEST_${dialect.toUpperCase()}_URL, or ATOMMQ_TEST_DIALECTS)` };
  }
}

async function createSqlite(): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-test-'));
  return { dialect: 'sqlite', dsn: `sqlite:${join(dir, 'atommq.db')}`, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Creates `atommq_t_<random>` on the server that `baseUrl` names, connecting to its database. */
async function createServerDatabase(dialect: 'postgres' | 'mysql', baseUrl: string): Promise<TestDatabase> {
  const name = `atommq_t_${randomBytes(6).toString('hex')}`;
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const admin = dialect === 'postgres' ? postgresAdmin(baseUrl) : mysqlAdmin(baseUrl);
  await admin((run) => run(dialect === 'postgres'
    ? `CREATE DATABASE ${name}`
    : `CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
  return {
    dialect,
    dsn: url.toString(),
    dispose: () => admin(async (run) => {
      if (dialect === 'mysql') return run(`DROP DATABASE IF EXISTS ${name}`);
      // WITH (FORCE), PostgreSQL 13+, ends sessions a failed test left open.
      return run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => run(`DROP DATABASE IF EXISTS ${name}`));
    }),
  };
}

type Admin = (work: (run: (sql: string) => Promise<void>) => Promise<void>) => Promise<void>;

function postgresAdmin(baseUrl: string): Admin {
  return async (work) => {
    const config = serverConfig(baseUrl);
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await work(async (sql) => { await client.query(sql); });
    } finally {
      await client.end();
    }
  };
}

function mysqlAdmin(baseUrl: string): Admin {
  return async (work) => {
    const connection = await createConnection({ ...serverConfig(baseUrl), connectTimeout: 5_000 });
    try {
      await work(async (sql) => { await connection.query(sql); });
    } finally {
      await connection.end();
    }
  };
}

/** Driver options for a server URL, leaving out what it does not say. */
function serverConfig(url: string): { host: string; database: string; port?: number; user?: string; password?: string } {
  const config = parseDsn(url);
  if (config.dialect === 'sqlite') throw new Error(`${redact(url)} is not a database server URL`);
  return {
    host: config.host, database: config.database,
    ...(config.port === undefined ? {} : { port: config.port }),
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
  };
}

function serverUrl(dialect: Dialect): string {
  return dialect === 'sqlite' ? tmpdir() : SERVER_URLS[dialect];
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') return error.errors.map(messageOf).join('; ');
  return error instanceof Error ? error.message || error.name : String(error);
}
