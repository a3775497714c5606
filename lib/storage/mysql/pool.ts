import { createPool, type Pool, type PoolOptions } from 'mysql2/promise';
import type { ServerConfig } from '../dsn.js';

const CONNECT_TIMEOUT_MS = 10_000;

/** Run on every new connection, before it is first used. */
const SESSION_SETUP = [
  // A polling consumer must see every commit made before its read. Single autocommit SELECTs do
  // under any level; READ COMMITTED keeps it so for any read in a transaction, and keeps InnoDB
  // from taking gap locks that would make writers wait on each other.
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
  // Strict: a value too long for its column fails instead of being truncated; tables stay InnoDB.
  "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'",
];

/** The callback-style connection that mysql2 hands to a pool's 'connection' listener. */
interface CallbackConnection {
  query(sql: string, callback: (error: unknown) => void): unknown;
  destroy(): void;
}

function isCallbackConnection(value: unknown): value is CallbackConnection {
  return typeof value === 'object' && value !== null
    && typeof Reflect.get(value, 'query') === 'function' && typeof Reflect.get(value, 'destroy') === 'function';
}

/** Creates a pool whose connections use utf8mb4, READ COMMITTED and strict SQL mode. */
export function openPool(config: ServerConfig, connectionLimit: number): Pool {
  const options: PoolOptions = {
    host: config.host, database: config.database, connectionLimit, connectTimeout: CONNECT_TIMEOUT_MS,
    // utf8mb4 stores every Unicode character; numbers stay numbers while they are exact.
    charset: 'utf8mb4', supportBigNumbers: true, bigNumberStrings: false, enableKeepAlive: true,
    ...(config.port === undefined ? {} : { port: config.port }),
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
  };
  const pool = createPool(options);
  // mysql2 emits 'connection' before handing a new connection out, so these statements are
  // queued ahead of its first query. Should one fail, the connection is destroyed (failing that
  // query, which reports it) rather than used with the wrong isolation level.
  pool.on('connection', (connection: unknown) => {
    if (!isCallbackConnection(connection)) return;
    for (const sql of SESSION_SETUP) {
      connection.query(sql, (error) => {
        if (error) connection.destroy();
      });
    }
  });
  return pool;
}
