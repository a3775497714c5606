import { StoreUnavailableError } from './store.js';

/**
 * What the PostgreSQL and MySQL stores share about errors: how a server is named in messages,
 * and how a driver error becomes a {@link StoreUnavailableError} without the password in it.
 * Which codes mean "unavailable" stays with each dialect.
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
 * Wraps a failure with context: a {@link StoreUnavailableError} naming the server when
 * `isUnavailable` says the server cannot take the work now, else the original error (a bug,
 * reported as such).
 */
export function wrapServerError(what: string, error: unknown, server: string, password: string | undefined,
  isUnavailable: (error: unknown) => boolean): Error {
  if (error instanceof StoreUnavailableError) return error;
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`store: ${what} on ${server}: ${describeError(error, password)}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
