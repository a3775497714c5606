import { NS } from './namespaces.js';
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
  readonly media?: { readonly type: string; readonly href: string } | undefined;
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

const START_TAG = /^<(?:([A-Za-z_][\w.-]*):)?entry[\s>]/;

/**
 * Renders a stored entry with the elements the server owns: `atom:id`, `atom:updated`,
 * `app:edited` and the self and edit links. They are spliced in right after the start tag of
 * the stored element, in whatever prefix the client used for the Atom namespace; libxml2 escapes
 * `>` inside attribute values, so the first `>` ends that start tag.
 */
export function renderEntryElement(view: EntryView): Markup {
  const match = START_TAG.exec(view.xml);
  const startTagEnd = view.xml.indexOf('>');
  if (match === null || startTagEnd < 0) throw new Error('render: stored entry is not an <entry> element');
  const p = match[1] === undefined ? '' : `${match[1]}:`;
  const serverOwned = [
    element(`${p}id`, {}, view.atomId),
    element(`${p}updated`, {}, view.updated),
    element('app:edited', { 'xmlns:app': NS.app }, view.updated),
    element(`${p}link`, { rel: 'self', href: view.memberHref }),
    element(`${p}link`, { rel: 'edit', href: view.memberHref }),
    // RFC 5023 §9.6: a media link entry points at its media resource with content/@src and
    // lets clients edit the bytes through the edit-media link.
    view.media && element(`${p}content`, { type: view.media.type, src: view.media.href }),
    view.media && element(`${p}link`, { rel: 'edit-media', type: view.media.type, href: view.media.href }),
  ].map((m) => (m ? m.markup : '')).join('');
  return raw(view.xml.slice(0, startTagEnd + 1) + serverOwned + view.xml.slice(startTagEnd + 1));
}

/** Renders an Atom entry document (`application/atom+xml;type=entry`). */
export function renderEntryDocument(view: EntryView): string {
  return xmlDocument(renderEntryElement(view));
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
    element('id', {}, feed.atomId),
    element('title', {}, feed.title),
    element('updated', {}, feed.updated),
    element('author', {}, element('name', {}, feed.author)),
    element('generator', {}, 'AtomMQ'),
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

function renderLink(link: LinkView): Markup {
  return element('link', { rel: link.rel, href: link.href, type: link.type });
}
