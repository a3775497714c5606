import { errorCode } from '../errors.js';
import { StoreUnavailableError } from '../store.js';

/** Socket-level failures: the server is down, unreachable or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * SQLSTATE classes and codes that mean "cannot serve now", not a bug in the statement
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html): 08 connection exception,
 * 28 authorization, 53 insufficient resources (53100 disk full), 57P0x shutdown/cannot connect,
 * 58 system (I/O) error, 3D000 no such database, 25006 read-only transaction (a hot standby).
 */
const UNAVAILABLE_STATES = /^(08|28|53|57P0|58)|^(3D000|25006)$/;

/** Messages pg raises without a SQLSTATE when the connection itself fails. */
const CONNECTION_MESSAGES = /connection terminated|timeout exceeded when trying to connect|connection error|after calling end on the pool|not queryable/i;

/** SQLSTATEs after which the whole transaction may simply be run again: deadlock, serialization failure. */
const TRANSIENT_STATES = new Set(['40P01', '40001']);

/** Returns true when `error` means the server cannot take this work now (503), rather than a bug. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = errorCode(error);
  if (code !== undefined) return NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code);
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return error instanceof Error && CONNECTION_MESSAGES.test(error.message);
}

/** Returns true when the transaction was rolled back by the server and may be retried as a whole. */
export function isTransient(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_STATES.has(code);
}
