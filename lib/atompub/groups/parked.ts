import type { Deps } from '../../core/deps.js';
import { queryParams } from '../../core/env.js';
import { HttpError } from '../../core/errors.js';
import type { CoreResponse } from '../../core/response.js';
import { textResponse } from '../../core/response.js';
import type { GroupRecord } from '../../storage/groups.js';
import type { FeedRecord } from '../../storage/store.js';
import { renderGroupFeed } from '../../xml/group-render.js';
import type { LinkView } from '../../xml/render.js';
import { pageSizeOf } from '../feed-page.js';
import { FEED_TYPE } from '../media-types.js';
import { entryView } from '../members.js';
import type { GroupRequest } from './answer.js';
import { JSON_TYPE } from './status.js';
import { GroupUrls } from './urls.js';

/**
 * `GET {feed}/groups/{group}/parked[?after=SEQ]`: the parked entries, oldest first, a page at a
 * time, each with its delivery count and when it was parked; `next` follows while more remain.
 */
export async function readParked(feed: FeedRecord, group: GroupRecord, request: GroupRequest, deps: Deps): Promise<CoreResponse> {
  const afterText = queryParams(request.env).get('after');
  if (afterText !== null && !/^\d{1,15}$/.test(afterText)) throw HttpError.badRequest(`after must be a sequence number, not ${afterText.slice(0, 40)}`);
  const after = afterText === null ? 0 : Number(afterText);
  const pageSize = pageSizeOf(feed, deps);
  const rows = await deps.store.groups.readParked(group, after, pageSize + 1);
  const page = rows.slice(0, pageSize);
  const urls = new GroupUrls(request.urls, feed.name);
  const links: LinkView[] = [{ rel: 'self', href: urls.parked(group.name, afterText === null ? undefined : after) }];
  const last = page.at(-1);
  if (rows.length > pageSize && last !== undefined) links.push({ rel: 'next', href: urls.parked(group.name, last.entry.seq) });
  const body = renderGroupFeed({
    atomId: feed.atomId,
    title: `${feed.name}: entries parked by group ${group.name}`,
    updated: new Date(deps.now()).toISOString(),
    author: deps.config.author,
    links,
    items: page.map((p) => ({
      entry: p.entry.kind === 'tombstone' ? { tombstoneXml: p.entry.xml } : entryView(feed, p.entry, request.urls),
      seq: p.entry.seq,
      deliveries: p.deliveries,
      parked: new Date(p.parkedMs).toISOString(),
    })),
  });
  return textResponse(200, FEED_TYPE, body, [['Cache-Control', 'no-store']]);
}

/** `POST {feed}/groups/{group}/parked/replay`: every parked entry is available again. */
export async function replayParked(group: GroupRecord, deps: Deps): Promise<CoreResponse> {
  const replayed = await deps.store.groups.replayParked(group);
  return textResponse(200, JSON_TYPE, `${JSON.stringify({ replayed })}\n`, [['Cache-Control', 'no-store']]);
}
