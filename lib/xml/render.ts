import { NS } from './namespaces.js';
import { CANONICAL_START } from './canonical.js';
import type { Markup } from './writer.js';
import { element, raw, xmlDocument } from './writer.js';

/** A log row as the renderer needs it; the xml is the stored form made by `acceptEntry`. */
export interface EntryView {
  readonly atomId: string;
  readonly updated: string;
  readonly xml: string;
  /** The member URI, written as both the self and the edit link (RFC 5023 §9.1). */
  readonly memberHref: string;
  /** For a media link entry (RFC 5023 §9.6): the media resource's type and URI. */
  readonly media?: {
    readonly type: string;
    /** The edit-media URI: always the member's current bytes. */
    readonly href: string;
    /** This revision's own bytes, for `content/@src`. */
    readonly src: string;
  } | undefined;
}

/** A log row that announces a deletion (RFC 6721); its stored xml is the whole element. */
export interface TombstoneView {
  readonly tombstoneXml: string;
}

/** A link element's attributes. */
export interface LinkView {
  readonly rel: string;
  readonly href: string;
  readonly type?: string;
}

/** A page of a feed, ready to render. */
export interface FeedView {
  readonly atomId: string;
  readonly title: string;
  readonly updated: string;
  readonly author: string;
  readonly links: readonly LinkView[];
  /** RFC 5005 §4: marks an archive document, whose content never changes. */
  readonly isArchive: boolean;
  readonly entries: ReadonlyArray<EntryView | TombstoneView>;
}

/** One collection of a service document. */
export interface CollectionView {
  readonly title: string;
  readonly href: string;
  readonly accept: readonly string[];
}

/** XML 1.0 §2.2 Char; a stored row holding anything else would make the whole document unreadable. */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * True when a stored entry is in the form the accept path writes (canonical.ts): an `entry`
 * start tag whose default namespace is Atom, only XML 1.0 characters, and the matching end
 * tag. A row that fails this (written by an older version, or changed in the database by hand)
 * is never spliced into a document; see {@link renderEntryElement}.
 */
export function isRenderableEntry(xml: string): boolean {
  const next = xml.charAt(CANONICAL_START.length);
  return xml.startsWith(CANONICAL_START) && (next === '>' || next === ' ') && xml.endsWith('</entry>') && !NOT_XML_CHAR.test(xml);
}

/**
 * Renders a stored entry with the elements the server owns: `atom:id`, `atom:updated`,
 * `app:edited` and the self and edit links. The stored form always starts with
 * `<entry xmlns="http://www.w3.org/2005/Atom"`, and only the root's attribute values escape
 * `>`, so the server's elements go right after the first `>`, unprefixed, whatever prefixes the
 * client used.
 *
 * Defence in depth: a row that is not in that form is served as a placeholder entry with its
 * own id, position and links and a text content saying it cannot be shown, so one bad row
 * never makes a feed unreadable for every consumer (the read paths log it).
 */
export function renderEntryElement(view: EntryView): Markup {
  const xml = isRenderableEntry(view.xml) ? view.xml : unrenderable(view.media !== undefined);
  const startTagEnd = xml.indexOf('>');
  const serverOwned = [
    element('id', {}, view.atomId),
    element('updated', {}, view.updated),
    element('app:edited', { 'xmlns:app': NS.app }, view.updated),
    element('link', { rel: 'self', href: view.memberHref }),
    element('link', { rel: 'edit', href: view.memberHref }),
    // RFC 5023 §9.6: a media link entry points at its media resource with content/@src and
    // lets clients edit the bytes through the edit-media link.
    view.media && element('content', { type: view.media.type, src: view.media.src }),
    view.media && element('link', { rel: 'edit-media', type: view.media.type, href: view.media.href }),
  ].map((m) => (m ? m.markup : '')).join('');
  return raw(xml.slice(0, startTagEnd + 1) + serverOwned + xml.slice(startTagEnd + 1));
}

/** What a consumer sees in place of a stored row that cannot be served (README: stored form). */
function unrenderable(isMedia: boolean): string {
  const why = 'AtomMQ cannot serve this stored message as XML; the server logged it.';
  // A media link entry gets its content (with src) from the renderer, and then needs a summary.
  return element('entry', { xmlns: NS.atom },
    element('title', {}, 'unreadable message'),
    element('author', {}, element('name', {}, 'AtomMQ')),
    element(isMedia ? 'summary' : 'content', { type: 'text' }, why)).markup;
}

/** Renders an Atom entry document (`application/atom+xml;type=entry`). */
export function renderEntryDocument(view: EntryView): string {
  return xmlDocument(renderEntryElement(view));
}

/** The feed-level elements every feed document starts with: id, title, updated, author, generator. */
export function renderFeedHead(feed: Pick<FeedView, 'atomId' | 'title' | 'updated' | 'author'>): Markup[] {
  return [
    element('id', {}, feed.atomId),
    element('title', {}, feed.title),
    element('updated', {}, feed.updated),
    element('author', {}, element('name', {}, feed.author)),
    element('generator', {}, 'AtomMQ'),
  ];
}

/** Renders an Atom feed document (`application/atom+xml;type=feed`). */
export function renderFeedDocument(feed: FeedView): string {
  // RFC 4287's grammar allows extension elements only before the first entry, so tombstones
  // come first. Cursor pages already end before a tombstone that follows an entry; only an
  // archive window can hold both, and there each tombstone's `when` orders it.
  return renderFeedOfMarkup(feed,
    feed.entries.filter(isTombstone).map((e) => raw(e.tombstoneXml)),
    feed.entries.filter((e): e is EntryView => !isTombstone(e)).map(renderEntryElement));
}

/**
 * Renders a feed document around entries that are already rendered (tombstones first, as
 * {@link renderFeedDocument} orders them), so that a process can render each stored entry once
 * and reuse it on every page that holds it.
 */
export function renderFeedOfMarkup(feed: Omit<FeedView, 'entries'>, tombstones: readonly Markup[], entries: readonly Markup[]): string {
  return xmlDocument(element('feed', { xmlns: NS.atom },
    ...renderFeedHead(feed),
    feed.isArchive && element('fh:archive', { 'xmlns:fh': NS.history }),
    ...feed.links.map(renderLink),
    ...tombstones,
    ...entries));
}

function isTombstone(view: EntryView | TombstoneView): view is TombstoneView {
  return 'tombstoneXml' in view;
}

/** Renders an AtomPub service document (RFC 5023 §8). */
export function renderServiceDocument(workspaceTitle: string, collections: readonly CollectionView[]): string {
  return xmlDocument(element('service', { xmlns: NS.app, 'xmlns:atom': NS.atom },
    element('workspace', {},
      element('atom:title', {}, workspaceTitle),
      ...collections.map((c) => element('collection', { href: c.href },
        element('atom:title', {}, c.title),
        ...c.accept.map((type) => element('accept', {}, type)))))));
}

/**
 * Renders the RFC 6721 tombstone a DELETE appends to the log. It is stored as is: nothing in it
 * depends on the request's base URL.
 */
export function renderTombstone(ref: string, when: string): string {
  return element('at:deleted-entry', { 'xmlns:at': NS.tombstones, ref, when }).markup;
}

/** Renders an `atom:link`. */
export function renderLink(link: LinkView): Markup {
  return element('link', { rel: link.rel, href: link.href, type: link.type });
}
