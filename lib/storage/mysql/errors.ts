import { errorCode } from '../errors.js';
import { StoreUnavailableError } from '../store.js';

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

/** Returns true when `error` means the server cannot take this work now (503), rather than a bug. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  // mysql2 marks every error after which the connection is unusable as fatal.
  if (property(error, 'fatal') === true) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  const code = errorCode(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
  const errno = property(error, 'errno');
  if (typeof errno === 'number' && UNAVAILABLE_ERRNOS.has(errno)) return true;
  return error instanceof Error && /^Pool is closed/.test(error.message);
}

/** Returns true when the server rolled the transaction back and it may be retried as a whole. */
export function isTransient(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}
