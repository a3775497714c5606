import { StoreUnavailableError } from '../store.js';

/** Where a MySQL store connects, as far as messages may show it. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number | undefined;
  readonly database: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
}

/**
 * Codes that mean "cannot serve now", not a bug in the statement: socket failures, mysql2's
 * protocol errors, and server errors for a full disk or table, a read-only server (a replica after
 * failover), too many connections, shutdown, a killed connection, refused credentials or a
 * missing database, and a lock wait timeout (innodb_lock_wait_timeout).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'ECONNABORTED', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_DISK_FULL', 'ER_RECORD_FILE_FULL', 'ER_OPTION_PREVENTS_STATEMENT', 'ER_READ_ONLY_MODE',
  'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION', 'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN', 'ER_QUERY_INTERRUPTED', 'ER_OUT_OF_RESOURCES', 'ER_OUTOFMEMORY',
  'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'ER_LOCK_WAIT_TIMEOUT',
]);

/** Server errors mysql2 has no code name for: MariaDB's ER_CONNECTION_KILLED. */
const UNAVAILABLE_ERRNOS = new Set([1927]);

/** Errors after which InnoDB has rolled back the whole transaction, which may then run again. */
const TRANSIENT_CODES = new Set(['ER_LOCK_DEADLOCK']);

function property(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? Reflect.get(error, name) : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = property(error, 'code');
  return typeof code === 'string' ? code : undefined;
}

/** Returns true when `error` means the server cannot take this work now (503), rather than a bug. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  // mysql2 marks every error after which the connection is unusable as fatal.
  if (property(error, 'fatal') === true) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  const code = codeOf(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
  const errno = property(error, 'errno');
  if (typeof errno === 'number' && UNAVAILABLE_ERRNOS.has(errno)) return true;
  return error instanceof Error && /^Pool is closed/.test(error.message);
}

/** Returns true when the server rolled the transaction back and it may be retried as a whole. */
export function isTransient(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Names the database for messages: `mysql://user@host:port/db`, never with the password. */
export function describeServer(address: ServerAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const user = address.user === undefined ? '' : `${encodeURIComponent(address.user)}@`;
  return `mysql://${user}${host}:${address.port ?? 3306}/${address.database}`;
}

/** The error's message, with the password scrubbed should a driver ever echo it. */
export function describeError(error: unknown, password: string | undefined): string {
  const message = error instanceof AggregateError && error.message === ''
    ? error.errors.map((e) => describeError(e, password)).join('; ')
    : error instanceof Error ? error.message || (codeOf(error) ?? error.name) : String(error);
  return password === undefined || password === '' ? message : message.split(password).join('***');
}

/**
 * Wraps a failure with context: a {@link StoreUnavailableError} when the server cannot take the
 * work now, else the original error (a bug, reported as such).
 */
export function wrapError(what: string, error: unknown, address: ServerAddress): Error {
  if (error instanceof StoreUnavailableError) return error;
  if (isUnavailable(error)) {
    return new StoreUnavailableError(
      `store: ${what} on ${describeServer(address)}: ${describeError(error, address.password)}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
