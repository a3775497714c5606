import type { FeedRecord } from '../storage/store.js';

/**
 * ETags name a position in a feed's log: `"<feed tag>.<seq>"`. A member's ETag is the position
 * of its newest revision, so a PUT changes it; a feed page's ETag is the position of its last
 * entry, so a consumer can send it back as `If-None-Match` and get only what came after.
 * The feed tag (8 hex digits of the feed's uuid) keeps one feed's ETags from matching another's.
 */

/** The short tag of a feed used inside its ETags. */
function feedTag(feed: FeedRecord): string {
  return feed.atomId.replace(/^urn:uuid:/, '').replace(/-/g, '').slice(0, 8);
}

/** Returns the quoted ETag for position `seq` of `feed`. */
export function positionEtag(feed: FeedRecord, seq: number): string {
  return `"${feedTag(feed)}.${seq}"`;
}

/** Splits an `If-None-Match` or `If-Match` value into its entity tags, without `W/` or quotes. */
export function parseEtagList(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).filter((t) => t !== '');
}

/** Returns the position an unquoted ETag of this feed names, or undefined if it is not one. */
export function positionFromEtag(feed: FeedRecord, tag: string): number | undefined {
  const match = /^([0-9a-f]{8})\.(\d{1,15})$/.exec(tag);
  if (match === null || match[1] !== feedTag(feed)) return undefined;
  return Number(match[2]);
}
