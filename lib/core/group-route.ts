import { HttpError } from './errors.js';

/**
 * The consumer-group resources under a feed, `{feed}/groups/…` (see README, "Consumer groups"):
 *
 * | path under `{feed}/groups` | part |
 * |---|---|
 * | (none) | `list`: the feed's groups |
 * | `/{group}` | `group`: create (PUT), status (GET), delete (DELETE) |
 * | `/{group}/claims` | `claims`: claim entries (POST) |
 * | `/{group}/ack` | `acks`: ack many leases at once (POST) |
 * | `/{group}/ack/{lease}` | `ack` (POST) |
 * | `/{group}/nack/{lease}` | `nack` (POST) |
 * | `/{group}/parked` | `parked`: the parked entries (GET) |
 * | `/{group}/parked/replay` | `replay`: make them available again (POST) |
 */
export type GroupPart = 'list' | 'group' | 'claims' | 'acks' | 'ack' | 'nack' | 'parked' | 'replay';

/** A request for a consumer-group resource of `feed`. */
export interface GroupRoute {
  readonly kind: 'group';
  readonly feed: string;
  readonly part: GroupPart;
  /** The group's name; empty for `list`. */
  readonly group: string;
  /** The lease id of an `ack` or `nack` link. */
  readonly lease: string;
}

/** The methods each part answers; HEAD works wherever GET does. */
export const GROUP_METHODS: Readonly<Record<GroupPart, readonly string[]>> = {
  list: ['GET', 'HEAD'],
  group: ['GET', 'HEAD', 'PUT', 'DELETE'],
  claims: ['POST'],
  acks: ['POST'],
  ack: ['POST'],
  nack: ['POST'],
  parked: ['GET', 'HEAD'],
  replay: ['POST'],
};

/**
 * Maps the segments after `{feed}/groups` to a group route, or undefined when they name nothing.
 * Group names follow the feed-name rules (`isName`); any other name is a 404 that says so.
 */
export function routeGroup(feed: string, segments: readonly string[], isName: (name: string) => boolean): GroupRoute | undefined {
  const [group, part, lease, ...rest] = segments;
  if (group === undefined) return { kind: 'group', feed, part: 'list', group: '', lease: '' };
  if (!isName(group)) {
    throw HttpError.notFound('no such group: names are 1-128 characters of A-Z, a-z, 0-9, "_", "-" and "." and do not start with "." or "-"');
  }
  if (rest.length > 0) return undefined;
  const at = (p: GroupPart, l = ''): GroupRoute => ({ kind: 'group', feed, part: p, group, lease: l });
  if (part === undefined) return at('group');
  if (lease === undefined) {
    if (part === 'claims') return at('claims');
    if (part === 'ack') return at('acks');
    if (part === 'parked') return at('parked');
    return undefined;
  }
  if (part === 'ack' || part === 'nack') return at(part, lease);
  if (part === 'parked' && lease === 'replay') return at('replay');
  return undefined;
}
