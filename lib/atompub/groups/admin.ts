import type { Deps } from '../../core/deps.js';
import { queryParams } from '../../core/env.js';
import { HttpError } from '../../core/errors.js';
import type { CoreResponse } from '../../core/response.js';
import { textResponse } from '../../core/response.js';
import type { GroupRecord, GroupSettings } from '../../storage/groups.js';
import type { FeedRecord } from '../../storage/store.js';
import { readBody } from '../../core/body.js';
import { resolveCursor } from '../cursor.js';
import type { GroupRequest } from './answer.js';
import { DEFAULT_LEASE_MS, DEFAULT_MAX_DELIVERIES, parseMaxDeliveries, parseSeconds } from './params.js';
import { JSON_TYPE, statusOf } from './status.js';
import { GroupUrls } from './urls.js';

/**
 * `PUT {feed}/groups/{group}`: creates the group (201) or updates its lease and maximum
 * deliveries (200), leaving its position alone. Parameters come from the query string or an
 * `application/x-www-form-urlencoded` body: `start` (`beginning`, `end`, or any cursor the feed
 * accepts: the group starts after it), `lease` (seconds) and `max_deliveries`.
 */
export async function putGroup(feed: FeedRecord, request: GroupRequest, deps: Deps): Promise<CoreResponse> {
  const params = await requestParams(request, deps);
  const existing = await deps.store.groups.findGroup(feed.id, request.target.group);
  const lease = params.get('lease');
  const max = params.get('max_deliveries');
  const settings: GroupSettings = {
    leaseMs: lease === null ? existing?.leaseMs ?? DEFAULT_LEASE_MS : parseSeconds(lease, 'lease', 0.001),
    maxDeliveries: max === null ? existing?.maxDeliveries ?? DEFAULT_MAX_DELIVERIES : parseMaxDeliveries(max),
  };
  const afterSeq = await startPosition(feed, params.get('start'), deps);
  const { group, isNew } = await deps.store.groups.putGroup(feed, request.target.group, settings, { afterSeq });
  const status = await statusOf(feed, group, deps.store);
  const location = new GroupUrls(request.urls, feed.name).group(group.name);
  return textResponse(isNew ? 201 : 200, JSON_TYPE, `${JSON.stringify(status, null, 2)}\n`,
    isNew ? [['Location', location], ['Cache-Control', 'no-store']] : [['Cache-Control', 'no-store']]);
}

/** `DELETE {feed}/groups/{group}`: forgets the group and its progress. */
export async function deleteGroup(feed: FeedRecord, group: GroupRecord, deps: Deps): Promise<CoreResponse> {
  if (!(await deps.store.groups.deleteGroup(feed.id, group.name))) throw HttpError.notFound(`feed ${feed.name} has no group ${group.name}`);
  return { status: 204, headers: [] };
}

async function requestParams(request: GroupRequest, deps: Deps): Promise<URLSearchParams> {
  const params = queryParams(request.env);
  const type = (request.env['CONTENT_TYPE'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const bytes = await readBody(request.env, request.body, deps.config.maxBodyBytes);
  if (bytes.byteLength === 0) return params;
  if (type !== 'application/x-www-form-urlencoded' && type !== '') throw new HttpError(415, `group parameters come as application/x-www-form-urlencoded, not ${type.slice(0, 60)}`);
  for (const [key, value] of new URLSearchParams(new TextDecoder().decode(bytes))) if (!params.has(key)) params.set(key, value);
  return params;
}

/** Where a new group starts: after this seq. */
async function startPosition(feed: FeedRecord, start: string | null, deps: Deps): Promise<number> {
  if (start === null || start === 'beginning') return 0;
  if (start === 'end') return feed.lastSeq;
  const cursor = await resolveCursor(feed, { startAfter: start, startAt: undefined, lastId: undefined, ifNoneMatch: undefined }, deps.store);
  return cursor.position;
}
