import type { Adapter } from './dialect.js';
import { StoreUnavailableError } from './store.js';

/**
 * How a failure is named: a server without its password, an error with context. Which codes
 * mean "unavailable" stays with each dialect's adapter.
 */

/** Where a server store connects, as far as messages may show it. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number | undefined;
  readonly database: string;
  readonly user: string | undefined;
  readonly password: string | undefined;
}

/** The string `code` a driver error carries, if any. */
export function errorCode(error: unknown): string | undefined {
  const code: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Names a database for messages, `scheme://user@host:port/db`, never with the password. */
export function describeAddress(scheme: string, defaultPort: number, address: ServerAddress): string {
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
  if (error instanceof StoreUnavailableError) return error;
  if (adapter.isUnavailable(error)) {
    return new StoreUnavailableError(`store: ${what} on ${adapter.where}: ${adapter.describe(error)}`, { cause: error });
  }
  return toError(error);
}

/** The value as an Error, for a rejection of unknown type. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
