import { HttpError } from '../core/errors.js';
import type { FeedRecord } from '../storage/store.js';
import { parseEtagList, positionFromEtag } from './etag.js';

/**
 * Reads `If-Match` (RFC 9110 §13.1.1) into the position the member's newest revision must have.
 * Undefined means unconditional (no header, or `*`). A tag that is not one of this feed's
 * positions can never match, so it is a 412 straight away.
 */
export function expectedRevision(feed: FeedRecord, ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const positions = parseEtagList(ifMatch).map((tag) => positionFromEtag(feed, tag));
  const position = positions.find((p) => p !== undefined);
  if (position === undefined) throw preconditionFailed();
  return position;
}

/** 412: the member changed since the client read it. */
export function preconditionFailed(): HttpError {
  return new HttpError(412, 'the entry has changed since that ETag was issued; GET it again and retry');
}
