import { HttpError } from '../../core/errors.js';
import type { LeaseRef } from '../../storage/groups.js';

/** A new group's lease when none is asked for (issue #15): 30 s. */
export const DEFAULT_LEASE_MS = 30_000;
/** A new group's maximum deliveries when none is asked for: 5. */
export const DEFAULT_MAX_DELIVERIES = 5;
/** The longest lease or nack delay, in seconds: one day. */
const MAX_SECONDS = 86_400;
/** The most deliveries a group may allow before parking. */
const MAX_DELIVERIES_LIMIT = 1000;

/**
 * Parses a duration in seconds, with up to three decimals (`lease=0.5`), into milliseconds.
 * `minimum` is 0 for a nack delay and 0.001 for a lease.
 */
export function parseSeconds(text: string, name: string, minimum: number): number {
  if (!/^\d{1,6}(\.\d{1,3})?$/.test(text) || Number(text) < minimum || Number(text) > MAX_SECONDS) {
    throw HttpError.badRequest(`${name} must be a number of seconds from ${minimum} to ${MAX_SECONDS}, not ${text.slice(0, 40)}`);
  }
  return Math.round(Number(text) * 1000);
}

/** Parses a positive whole number no larger than `limit`. */
export function parseCount(text: string, name: string, limit: number): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1 || Number(text) > limit) {
    throw HttpError.badRequest(`${name} must be a whole number from 1 to ${limit}, not ${text.slice(0, 40)}`);
  }
  return Number(text);
}

/** Parses `max_deliveries`. */
export function parseMaxDeliveries(text: string): number {
  return parseCount(text, 'max_deliveries', MAX_DELIVERIES_LIMIT);
}

/** A lease id, as in the ack and nack links: `{seq}.{token}`. */
const LEASE_ID = /^([1-9]\d{0,14})\.([A-Za-z0-9_-]{1,40})$/;

/** Parses a lease id; undefined when it is not one. */
export function parseLeaseId(text: string): LeaseRef | undefined {
  const match = LEASE_ID.exec(text);
  return match === null ? undefined : { seq: Number(match[1]), token: match[2] ?? '' };
}

/** The lease id of a claimed entry, as written in its links. */
export function leaseId(lease: LeaseRef): string {
  return `${lease.seq}.${lease.token}`;
}
