import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import type { EntryView } from '../xml/render.js';
import { isRenderableEntry } from '../xml/render.js';
import type { Urls } from './urls.js';

/**
 * Finds the newest row of the member a URI key names: its first sequence number, or its uuid
 * (the form AtomBus printed). 404 when there is none, 410 when its newest row is a tombstone.
 */
export async function findMemberRow(feed: FeedRecord, key: string, deps: Deps): Promise<EntryRecord> {
  const member = await memberNumber(feed, key, deps);
  const entry = member === undefined ? undefined : await deps.store.findMember(feed.id, member);
  if (entry === undefined) throw HttpError.notFound(`feed ${feed.name} has no entry ${key.slice(0, 60)}`);
  if (entry.kind === 'tombstone') throw new HttpError(410, `entry ${key.slice(0, 60)} of feed ${feed.name} was deleted`);
  return entry;
}

/** The member number a key names, if it names one. */
export async function memberNumber(feed: FeedRecord, key: string, deps: Deps): Promise<number | undefined> {
  if (/^[1-9]\d{0,14}$/.test(key)) return Number(key);
  if (!/^(urn:uuid:)?[0-9a-f-]{36}$/i.test(key)) return undefined;
  const atomId = key.startsWith('urn:uuid:') ? key : `urn:uuid:${key}`;
  return (await deps.store.findByAtomId(feed.id, atomId))?.member;
}

/**
 * The view the renderer needs for one entry row. `logError`, given on read paths, reports a row
 * the renderer will replace with a placeholder (render.ts), naming its feed and position.
 */
export function entryView(feed: FeedRecord, entry: EntryRecord, urls: Urls, logError?: (line: string) => void): EntryView {
  if (logError !== undefined && !isRenderableEntry(entry.xml)) {
    logError(`atommq: feed ${feed.name} row ${entry.seq} (${entry.atomId}) is not in the stored form and is served as a placeholder`);
  }
  return {
    atomId: entry.atomId,
    updated: entry.updated,
    xml: entry.xml,
    memberHref: urls.member(feed.name, entry.member),
    media: entry.mediaType === undefined ? undefined : {
      type: entry.mediaType,
      href: urls.media(feed.name, entry.member),
      src: urls.mediaRevision(feed.name, entry.member, entry.mediaSeq ?? entry.member),
    },
  };
}
