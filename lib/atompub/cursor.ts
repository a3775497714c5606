import { HttpError } from '../core/errors.js';
import type { FeedRecord, Store } from '../storage/store.js';
import { parseEtagList, positionFromEtag } from './etag.js';

/** The ways a consumer says where it stopped. Query parameters win over headers. */
export interface CursorInput {
  /** `?start_after=` (exclusive; AtomBus). */
  readonly startAfter: string | undefined;
  /** `?start_at=` (inclusive; AtomBus). */
  readonly startAt: string | undefined;
  /** The `Xlastid` header (exclusive; the original AtomMQ). */
  readonly lastId: string | undefined;
  /** The `If-None-Match` header: a feed ETag, or a bare or quoted entry id (AtomBus). */
  readonly ifNoneMatch: string | undefined;
  /** `Last-Event-ID` (exclusive; an event stream's reconnection), which wins over every other cursor. */
  readonly lastEventId?: string | undefined;
}

/** Where a read starts, and what `If-None-Match` named. */
export interface ResolvedCursor {
  /** Entries with `seq > position` are returned. */
  readonly position: number;
  /** The position `If-None-Match` named, when it named one of this feed's positions. */
  readonly notModifiedAt: number | undefined;
}

/**
 * Resolves a consumer's cursor to a log position. An id is an entry's `atom:id` exactly as
 * printed, an entry's sequence number, or one of this feed's ETags. An unknown id, or one from
 * another feed, is a 400; an `If-None-Match` the server does not recognise is ignored, as in
 * AtomBus.
 */
export async function resolveCursor(feed: FeedRecord, input: CursorInput, store: Store): Promise<ResolvedCursor> {
  const notModifiedAt = input.ifNoneMatch === undefined ? undefined : await ifNoneMatchPosition(feed, input.ifNoneMatch, store);
  let position: number;
  if (input.lastEventId !== undefined && input.lastEventId.trim() !== '') position = await requirePosition(feed, input.lastEventId, 'Last-Event-ID', store);
  else if (input.startAfter !== undefined) position = await requirePosition(feed, input.startAfter, 'start_after', store);
  else if (input.startAt !== undefined) position = await requirePosition(feed, input.startAt, 'start_at', store) - 1;
  else if (input.lastId !== undefined) position = await requirePosition(feed, input.lastId, 'Xlastid', store);
  else position = notModifiedAt ?? 0;
  return { position: Math.max(0, position), notModifiedAt };
}

async function requirePosition(feed: FeedRecord, id: string, source: string, store: Store): Promise<number> {
  const position = await findPosition(feed, id.trim(), store);
  if (position === undefined) throw HttpError.badRequest(`${source} names no entry of this feed: ${id.slice(0, 100)}`);
  return position;
}

/** The most `If-None-Match` tags looked at; a client polls with one, so more is noise or abuse. */
const MAX_IF_NONE_MATCH_TAGS = 8;

async function ifNoneMatchPosition(feed: FeedRecord, header: string, store: Store): Promise<number | undefined> {
  for (const tag of parseEtagList(header).slice(0, MAX_IF_NONE_MATCH_TAGS)) {
    const position = await findPosition(feed, tag, store);
    if (position !== undefined) return position;
  }
  return undefined;
}

/** The position an id names in this feed, or undefined when it names none. */
async function findPosition(feed: FeedRecord, id: string, store: Store): Promise<number | undefined> {
  if (/^\d{1,15}$/.test(id)) return committedPosition(feed, Number(id), store);
  const fromEtag = positionFromEtag(feed, id);
  if (fromEtag !== undefined) return committedPosition(feed, fromEtag, store);
  if (id.length > 200) return undefined;
  // RFC 6721 and RFC 5023 §9.1: an atom:id names a member; its first position is used, so a
  // cursor given as an id may see a later revision again, but never skips one.
  return (await store.findByAtomId(feed.id, id))?.seq;
}

/**
 * `seq` when the feed has committed that far. A position beyond the feed row this request holds
 * may come from another head's 201 that this process has not seen yet (its row may be cached),
 * so the store is asked before the cursor is refused: refresh, then decide.
 */
async function committedPosition(feed: FeedRecord, seq: number, store: Store): Promise<number | undefined> {
  if (seq <= feed.lastSeq) return seq;
  return seq <= (await store.lastSeq(feed.id)) ? seq : undefined;
}
