import { readBody } from '../../core/body.js';
import type { Deps } from '../../core/deps.js';
import { queryParams } from '../../core/env.js';
import { HttpError } from '../../core/errors.js';
import type { CoreResponse } from '../../core/response.js';
import { textResponse } from '../../core/response.js';
import type { GroupRecord, LeaseRef } from '../../storage/groups.js';
import type { GroupRequest } from './answer.js';
import { leaseId, parseLeaseId, parseSeconds } from './params.js';
import { JSON_TYPE } from './status.js';

/** The most leases one batch ack may settle. */
const MAX_BATCH = 10_000;

/**
 * A POST to an entry's `ack` or `nack` link. 204 when settled, or when this same lease settled
 * it before (acks and nacks are idempotent). 409 when the entry was leased again since, or acked
 * by another lease: that other worker's lease wins. A nack may ask for `?delay=S` before the
 * entry is available again; a nack of the last allowed delivery parks the entry.
 */
export async function settleOne(group: GroupRecord, request: GroupRequest, kind: 'ack' | 'nack', deps: Deps): Promise<CoreResponse> {
  const lease = parseLeaseId(request.target.lease);
  if (lease === undefined) throw HttpError.notFound(`${request.target.lease.slice(0, 60)} is not a lease of this group`);
  const delay = queryParams(request.env).get('delay');
  const how = kind === 'ack' ? { kind } : { kind, delayMs: delay === null ? 0 : parseSeconds(delay, 'delay', 0) };
  const [outcome] = await deps.store.groups.settle(group, [lease], how);
  if (outcome === 'conflict') {
    throw new HttpError(409, `entry ${lease.seq} was leased again after this lease, or acked by another one; that lease wins`);
  }
  if (outcome === 'unknown') throw HttpError.notFound(`no lease ${request.target.lease.slice(0, 60)} was handed out by this group`);
  return { status: 204, headers: [['Cache-Control', 'no-store']] };
}

/**
 * `POST {feed}/groups/{group}/ack`: acks many leases in one transaction. The body lists them one
 * per line (`text/uri-list` or `text/plain`): each line an ack link as claimed, or its last
 * segment, the lease id. Lines starting with `#` are comments (RFC 2483 §5). Answers 200 with
 * JSON: how many were acked, and which leases conflicted or were unknown.
 */
export async function ackBatch(group: GroupRecord, request: GroupRequest, deps: Deps): Promise<CoreResponse> {
  const text = new TextDecoder().decode(await readBody(request.env, request.body, deps.config.maxBodyBytes));
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  if (lines.length > MAX_BATCH) throw HttpError.badRequest(`a batch ack holds at most ${MAX_BATCH} leases, not ${lines.length}`);
  const leases: LeaseRef[] = lines.map((line, i) => {
    const lease = parseLeaseId(line.slice(line.lastIndexOf('/') + 1));
    if (lease === undefined) throw HttpError.badRequest(`line ${i + 1} of the batch names no lease: ${line.slice(0, 100)}`);
    return lease;
  });
  const outcomes = leases.length === 0 ? [] : await deps.store.groups.settle(group, leases, { kind: 'ack' });
  const pick = (wanted: string): string[] => leases.filter((_, i) => outcomes[i] === wanted).map(leaseId);
  const body = { acked: outcomes.filter((o) => o === 'done').length, conflicts: pick('conflict'), unknown: pick('unknown') };
  return textResponse(200, JSON_TYPE, `${JSON.stringify(body)}\n`, [['Cache-Control', 'no-store']]);
}
