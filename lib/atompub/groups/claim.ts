import type { Deps } from '../../core/deps.js';
import { queryParams, requestHeader } from '../../core/env.js';
import type { CoreResponse, HeaderList } from '../../core/response.js';
import { textResponse } from '../../core/response.js';
import type { ClaimedEntry, GroupRecord } from '../../storage/groups.js';
import type { FeedRecord } from '../../storage/store.js';
import type { GroupItemView } from '../../xml/group-render.js';
import { renderGroupFeed } from '../../xml/group-render.js';
import { pageSizeOf } from '../feed-page.js';
import { FEED_TYPE } from '../media-types.js';
import { entryView } from '../members.js';
import { requestedWait, waitAtMost } from '../wait.js';
import type { GroupRequest } from './answer.js';
import { leaseId, parseCount, parseSeconds } from './params.js';
import { GroupUrls } from './urls.js';

/** How often in a row a waiting claim retries at once when status says work is available. */
const MAX_EAGER_RETRIES = 3;

/**
 * `POST {feed}/groups/{group}/claims?max=N[&lease=S]`: leases up to N available entries to the
 * caller, oldest first, and answers them as an Atom feed in log order, each with its ack and
 * nack links, delivery count and lease expiry. `Prefer: wait=S` (or `?wait=S`) waits for work
 * when there is none, as a feed GET does; the wait also ends when a nack, a replay or a lease
 * running out makes an entry available again.
 */
export async function claimEntries(feed: FeedRecord, group: GroupRecord, request: GroupRequest, deps: Deps): Promise<CoreResponse> {
  const query = queryParams(request.env);
  const pageSize = pageSizeOf(feed, deps);
  const maxText = query.get('max');
  const max = maxText === null ? 1 : parseCount(maxText, 'max', pageSize);
  const leaseText = query.get('lease');
  const leaseMs = leaseText === null ? group.leaseMs : parseSeconds(leaseText, 'lease', 0.001);
  const wait = requestedWait(requestHeader(request.env, 'Prefer'), query.get('wait') ?? undefined, deps.config.maxWaitSeconds);
  const headers: HeaderList = [['Cache-Control', 'no-store']];
  let claimed = await deps.store.groups.claim(group, max, leaseMs);
  if (claimed.length === 0 && wait > 0) {
    headers.push(['Preference-Applied', `wait=${wait}`]);
    claimed = await waitAndClaim(group, max, leaseMs, wait, request.signal, deps);
  }
  const urls = new GroupUrls(request.urls, feed.name);
  const now = new Date(deps.now()).toISOString();
  const body = renderGroupFeed({
    atomId: feed.atomId,
    title: `${feed.name}: claim by group ${group.name}`,
    updated: now,
    author: deps.config.author,
    links: [{ rel: 'self', href: urls.claims(group.name) }, { rel: 'related', href: request.urls.feed(feed.name) }],
    items: claimed.map((c) => claimedItem(feed, group, c, urls, request)),
  });
  return textResponse(200, FEED_TYPE, body, headers);
}

/** Waits for work until `seconds` pass, then claims; an empty array when nothing came. */
async function waitAndClaim(group: GroupRecord, max: number, leaseMs: number, seconds: number, signal: AbortSignal | undefined, deps: Deps): Promise<ClaimedEntry[]> {
  const deadline = deps.now().getTime() + seconds * 1000;
  let eager = 0;
  for (;;) {
    const remaining = (deadline - deps.now().getTime()) / 1000;
    if (remaining <= 0 || signal?.aborted === true) return [];
    const counts = await deps.store.groups.counts(group);
    // Another worker may take what status just counted; retry at once a few times, then wait.
    if (counts.available === 0 || eager >= MAX_EAGER_RETRIES) {
      eager = 0;
      await waitAtMost(remaining, signal, (s) => deps.store.groups.waitForWork(group, counts, s));
    } else {
      eager += 1;
    }
    const claimed = await deps.store.groups.claim(group, max, leaseMs);
    if (claimed.length > 0) return claimed;
  }
}

function claimedItem(feed: FeedRecord, group: GroupRecord, claimed: ClaimedEntry, urls: GroupUrls, request: GroupRequest): GroupItemView {
  const id = leaseId({ seq: claimed.entry.seq, token: claimed.token });
  return {
    entry: claimed.entry.kind === 'tombstone' ? { tombstoneXml: claimed.entry.xml } : entryView(feed, claimed.entry, request.urls),
    seq: claimed.entry.seq,
    deliveries: claimed.deliveries,
    lease: { ackHref: urls.ack(group.name, id), nackHref: urls.nack(group.name, id), expires: new Date(claimed.leaseExpiresMs).toISOString() },
  };
}
