import type { Deps } from '../../core/deps.js';
import type { CoreResponse } from '../../core/response.js';
import { textResponse } from '../../core/response.js';
import type { GroupCounts, GroupRecord, RetentionFloor } from '../../storage/groups.js';
import type { FeedRecord, Store } from '../../storage/store.js';
import { retentionRule } from '../retention.js';
import type { GroupRequest } from './answer.js';
import { GroupUrls } from './urls.js';

/** Status documents are JSON. */
export const JSON_TYPE = 'application/json';

/** What `GET {feed}/groups/{group}` answers (see README, "Consumer groups"). */
export interface GroupStatus {
  readonly name: string;
  readonly feed: string;
  readonly ackedThrough: number;
  readonly lastSeq: number;
  readonly lag: number;
  readonly leased: number;
  readonly available: number;
  readonly delayed: number;
  readonly parked: number;
  readonly parkedExpired: number;
  readonly oldestUnackedSeconds: number;
  readonly leaseSeconds: number;
  readonly maxDeliveries: number;
  readonly holdsRetention: boolean;
  readonly created: string;
}

/**
 * The group's figures, taken at one instant of the database clock. Needs only the store, so any
 * view (JSON here, an HTML page, the CLI) can show a group's lag.
 */
export async function statusOf(feed: FeedRecord, group: GroupRecord, store: Store, floors?: readonly RetentionFloor[]): Promise<GroupStatus> {
  const counts = await store.groups.counts(group);
  const allFloors = floors ?? await store.groups.retentionFloors(feed.id);
  const floor = allFloors.find((f) => f.group === group.name);
  return {
    name: group.name,
    feed: feed.name,
    ackedThrough: counts.ackedThrough,
    lastSeq: counts.lastSeq,
    lag: counts.leased + counts.available + counts.delayed,
    leased: counts.leased,
    available: counts.available,
    delayed: counts.delayed,
    parked: counts.parked,
    parkedExpired: group.parkedExpired,
    oldestUnackedSeconds: await oldestUnackedSeconds(feed, counts, store),
    leaseSeconds: group.leaseMs / 1000,
    maxDeliveries: group.maxDeliveries,
    holdsRetention: floor === undefined ? false : await isHoldingRetention(feed, floor, counts, store),
    created: group.created,
  };
}

/** How long the oldest entry neither acked nor parked has been in the log, in seconds. */
async function oldestUnackedSeconds(feed: FeedRecord, counts: GroupCounts, store: Store): Promise<number> {
  if (counts.ackedThrough >= counts.lastSeq) return 0;
  const [oldest] = await store.readAfter(feed.id, counts.ackedThrough, 1);
  if (oldest === undefined) return 0;
  return Math.max(0, Math.round(counts.nowMs - Date.parse(oldest.updated)) / 1000);
}

/**
 * True when the feed's retention limits would remove an entry now that this group still needs:
 * by count, an unfinished or parked one; by age, an unfinished one (parked entries go at the
 * age limit).
 */
export async function isHoldingRetention(feed: FeedRecord, floor: RetentionFloor, counts: GroupCounts, store: Store): Promise<boolean> {
  const rule = retentionRule(feed, new Date(counts.nowMs));
  if (rule === undefined) return false;
  const keepFrom = Math.min(floor.unfinishedFrom, floor.parkedFrom ?? Infinity);
  if (rule.keepLast !== undefined && keepFrom <= counts.lastSeq - rule.keepLast) return true;
  if (rule.olderThan === undefined || floor.unfinishedFrom > counts.lastSeq) return false;
  const [first] = await store.readAfter(feed.id, floor.unfinishedFrom - 1, 1);
  return first !== undefined && first.updated < rule.olderThan;
}

/** The names of the feed's groups that hold its retention back now (for `atommq feeds list`). */
export async function groupsHoldingRetention(store: Store, feed: FeedRecord): Promise<string[]> {
  const floors = await store.groups.retentionFloors(feed.id);
  const holding: string[] = [];
  for (const group of await store.groups.listGroups(feed.id)) {
    const floor = floors.find((f) => f.group === group.name);
    if (floor !== undefined && await isHoldingRetention(feed, floor, await store.groups.counts(group), store)) holding.push(group.name);
  }
  return holding;
}

/** `GET {feed}/groups/{group}`: the status document. */
export async function readStatus(feed: FeedRecord, group: GroupRecord, request: GroupRequest, deps: Deps): Promise<CoreResponse> {
  const status = await statusOf(feed, group, deps.store);
  const urls = new GroupUrls(request.urls, feed.name);
  const links = { claims: urls.claims(group.name), ack: urls.ack(group.name), parked: urls.parked(group.name), replay: urls.replay(group.name) };
  return textResponse(200, JSON_TYPE, `${JSON.stringify({ ...status, links }, null, 2)}\n`, [['Cache-Control', 'no-store']]);
}

/** `GET {feed}/groups`: every group of the feed, with its figures. */
export async function listGroups(feed: FeedRecord, request: GroupRequest, deps: Deps): Promise<CoreResponse> {
  const floors = await deps.store.groups.retentionFloors(feed.id);
  const urls = new GroupUrls(request.urls, feed.name);
  const groups = [];
  for (const group of await deps.store.groups.listGroups(feed.id)) {
    groups.push({ ...(await statusOf(feed, group, deps.store, floors)), href: urls.group(group.name) });
  }
  return textResponse(200, JSON_TYPE, `${JSON.stringify({ feed: feed.name, groups }, null, 2)}\n`, [['Cache-Control', 'no-store']]);
}
