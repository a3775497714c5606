import type { Deps } from '../core/deps.js';
import { HttpError } from '../core/errors.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import type { EntryView } from '../xml/render.js';
import { isRenderableEntry } from '../xml/render.js';
import { acceptEntry } from '../xml/entry-wire.js';
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
 * Rows not in the stored form (an older version stored the client's spelling, such as a
 * prefixed `<a:entry>`) are read again through the accept path, so they render like new ones.
 * A row that cannot be read (an undeclared prefix, a forbidden character) is left as it is: the
 * renderer serves a placeholder for it and {@link entryView} logs it. Costs nothing for rows in
 * the stored form.
 */
export async function readableRows(rows: readonly EntryRecord[], deps: Deps): Promise<EntryRecord[]> {
  return Promise.all(rows.map(async (row) => {
    if (row.kind !== 'entry' || isRenderableEntry(row.xml)) return row;
    try {
      return { ...row, xml: (await acceptEntry(new TextEncoder().encode(row.xml), deps.config.author, row.mediaType !== undefined)).xml };
    } catch {
      return row;
    }
  }));
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
