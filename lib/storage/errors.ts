import type { Adapter } from './dialect.js';
import type { ServerConfig } from './dsn.js';
import { StoreUnavailableError } from './store.js';

/**
 * What marks an error as "the database cannot take this work now" in one dialect (the rules that
 * read the marks live here, once): driver or server `codes` (SQLSTATEs, ER_ names, SQLITE_ codes),
 * `messages` a driver raises without a code when the connection fails, numeric `errnos`.
 */
export interface UnavailableMarks {
  readonly codes: RegExp;
  readonly messages?: RegExp;
  readonly errnos?: readonly number[];
}

/** Socket-level failures: the server is down, unreachable or went away. */
const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ECONNABORTED)$/;

const property = (error: unknown, name: string): unknown => (typeof error === 'object' && error !== null ? Reflect.get(error, name) : undefined);

/** The string `code` a driver error carries, if any. */
export function errorCode(error: unknown): string | undefined {
  return typeof property(error, 'code') === 'string' ? String(property(error, 'code')) : undefined;
}

/** A test for errors that mean "cannot serve now" (503) rather than a bug, by `marks`. */
export function unavailableBy(marks: UnavailableMarks): (error: unknown) => boolean {
  const test = (error: unknown): boolean => {
    if (error instanceof StoreUnavailableError) return true;
    // mysql2 marks every error after which the connection is unusable as fatal.
    if (property(error, 'fatal') === true) return true;
    if (error instanceof AggregateError) return error.errors.some(test);
    const code = errorCode(error);
    if (code !== undefined && (NETWORK_CODES.test(code) || marks.codes.test(code))) return true;
    const errno = property(error, 'errno');
    if (typeof errno === 'number' && marks.errnos?.includes(errno) === true) return true;
    return error instanceof Error && marks.messages?.test(error.message) === true;
  };
  return test;
}

/** A test for errors after which the server rolled the whole transaction back, so it may run again. */
export function transientBy(codes: readonly string[]): (error: unknown) => boolean { return (error) => codes.includes(errorCode(error) ?? ''); }

/** Names a database for messages, `scheme://user@host:port/db`, never with the password. */
export function describeAddress(scheme: string, defaultPort: number, address: ServerConfig): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const user = address.user === undefined ? '' : `${encodeURIComponent(address.user)}@`;
  return `${scheme}://${user}${host}:${address.port ?? defaultPort}/${address.database}`;
}

/** The error's message, with the password scrubbed should a driver ever echo it. */
export function describeError(error: unknown, password: string | undefined): string {
  const message = error instanceof AggregateError && error.message === ''
    ? error.errors.map((e) => describeError(e, password)).join('; ')
    : error instanceof Error ? error.message || (errorCode(error) ?? error.name) : String(error);
  return password === undefined || password === '' ? message : message.split(password).join('***');
}

/**
 * Wraps a failure with context: a {@link StoreUnavailableError} naming the database when the
 * adapter says it cannot take the work now, else the original error (a bug, reported as such).
 */
export function wrapError(what: string, error: unknown, adapter: Adapter): Error {
  if (error instanceof StoreUnavailableError || !adapter.isUnavailable(error)) return toError(error);
  return new StoreUnavailableError(`store: ${what} on ${adapter.where}: ${adapter.describe(error)}`, { cause: error });
}

/** The value as an Error, for a rejection of unknown type. */
export function toError(error: unknown): Error { return error instanceof Error ? error : new Error(String(error)); }
