import type { EntryRecord, FeedRecord } from '../../storage/store.js';
import type { Markup } from '../../xml/writer.js';
import { raw } from '../../xml/writer.js';
import { renderEntryElement } from '../../xml/render.js';
import { entryView } from '../members.js';
import type { Urls } from '../urls.js';

/**
 * Rendering done once per process and reused. An entry's markup hangs off its row object
 * (weakly), so it lives exactly as long as the row stays in a TailStore's window; rows read
 * straight from the store are new objects each time, and nothing is kept for them. Whole page
 * bodies are kept in a small bounded list, for the many consumers that wait at one position.
 */

/** The most base URLs one row keeps a rendering for; a server rarely has more than one or two. */
const BASES_PER_ROW = 2;
/** The most bytes of page bodies remembered (1 MiB); a page over an eighth of it is not kept. */
const PAGE_BYTES = 1024 * 1024;

const entryMarkup = new WeakMap<EntryRecord, Array<{ readonly base: string; readonly markup: Markup }>>();
const pageBodies = new Map<string, Uint8Array>();
const UTF8 = new TextEncoder();
let pageBytes = 0;

/**
 * A stored entry, rendered with its server-owned elements: once per row and base URL.
 * `logError` reports a row served as a placeholder (see {@link entryView}), once per rendering.
 */
export function renderedEntry(feed: FeedRecord, row: EntryRecord, urls: Urls, logError?: (line: string) => void): Markup {
  if (row.kind === 'tombstone') return raw(row.xml);
  // The feed's URI names both the base URL and the mode (single or multi-feed) of the links.
  const base = urls.feed(feed.name);
  const known = entryMarkup.get(row) ?? [];
  const hit = known.find((r) => r.base === base);
  if (hit !== undefined) return hit.markup;
  const markup = renderEntryElement(entryView(feed, row, urls, logError));
  entryMarkup.set(row, [{ base, markup }, ...known].slice(0, BASES_PER_ROW));
  return markup;
}

/**
 * The body of a page, made by `render` once for each `key` and shared, already encoded, by every
 * consumer asking for it while it is remembered. The key must name everything the body depends
 * on; log rows never change, so a feed's atom:id, the position, the limit, the newest seq and the
 * feed's URI do.
 */
export function sharedPage(key: string, render: () => string): Uint8Array {
  const hit = pageBodies.get(key);
  if (hit !== undefined) return hit;
  const body = UTF8.encode(render());
  if (body.byteLength > PAGE_BYTES / 8) return body;
  pageBodies.set(key, body);
  pageBytes += body.byteLength;
  // A Map iterates in insertion order: the oldest pages go first.
  for (const [oldKey, oldBody] of pageBodies) {
    if (pageBytes <= PAGE_BYTES) break;
    pageBodies.delete(oldKey);
    pageBytes -= oldBody.byteLength;
  }
  return body;
}
