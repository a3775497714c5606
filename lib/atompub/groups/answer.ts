import type { BodySource, Deps } from '../../core/deps.js';
import type { CgiEnv } from '../../core/env.js';
import { HttpError } from '../../core/errors.js';
import type { GroupRoute } from '../../core/group-route.js';
import { GROUP_METHODS } from '../../core/group-route.js';
import type { CoreResponse } from '../../core/response.js';
import type { GroupRecord } from '../../storage/groups.js';
import { GroupGoneError } from '../../storage/groups.js';
import type { FeedRecord } from '../../storage/store.js';
import type { Urls } from '../urls.js';
import { deleteGroup, putGroup } from './admin.js';
import { claimEntries } from './claim.js';
import { readParked, replayParked } from './parked.js';
import { ackBatch, settleOne } from './settle.js';
import { listGroups, readStatus } from './status.js';

/** A routed request for a consumer-group resource. */
export interface GroupRequest {
  readonly target: GroupRoute;
  readonly method: string;
  readonly env: CgiEnv;
  readonly body: BodySource;
  readonly urls: Urls;
  readonly signal: AbortSignal | undefined;
  /** The feed the route names; 404 when it does not exist. */
  readonly feed: () => Promise<FeedRecord>;
}

/**
 * Answers every `{feed}/groups/…` request (see README, "Consumer groups"). A group that does not
 * exist is a 404, except for the PUT that creates it; a group deleted while a request ran is a
 * 404 too.
 */
export async function answerGroup(request: GroupRequest, deps: Deps): Promise<CoreResponse> {
  const { target, method } = request;
  const allowed = GROUP_METHODS[target.part];
  if (!allowed.includes(method)) throw HttpError.methodNotAllowed(method, allowed);
  const feed = await request.feed();
  try {
    if (target.part === 'list') return await listGroups(feed, request, deps);
    if (target.part === 'group' && method === 'PUT') return await putGroup(feed, request, deps);
    const group = await deps.store.groups.findGroup(feed.id, target.group);
    if (group === undefined) throw HttpError.notFound(`feed ${feed.name} has no group ${target.group}; PUT creates it`);
    return await answerExisting(feed, group, request, deps);
  } catch (error) {
    if (error instanceof GroupGoneError) throw HttpError.notFound(`the group ${target.group} was deleted`);
    throw error;
  }
}

async function answerExisting(feed: FeedRecord, group: GroupRecord, request: GroupRequest, deps: Deps): Promise<CoreResponse> {
  switch (request.target.part) {
    case 'group': return request.method === 'DELETE' ? deleteGroup(feed, group, deps) : readStatus(feed, group, request, deps);
    case 'claims': return claimEntries(feed, group, request, deps);
    case 'ack': return settleOne(group, request, 'ack', deps);
    case 'nack': return settleOne(group, request, 'nack', deps);
    case 'acks': return ackBatch(group, request, deps);
    case 'parked': return readParked(feed, group, request, deps);
    case 'replay': return replayParked(group, deps);
    case 'list': return listGroups(feed, request, deps);
  }
}
