import { NS } from './namespaces.js';
import type { EntryView, LinkView } from './render.js';
import { renderEntryElement, renderFeedHead, renderLink } from './render.js';
import type { Markup } from './writer.js';
import { element, raw, xmlDocument } from './writer.js';

/** One entry of a claim or of the parked list, with what the group adds to it. */
export interface GroupItemView {
  /** An entry, or the stored markup of an RFC 6721 tombstone. */
  readonly entry: EntryView | { readonly tombstoneXml: string };
  readonly seq: number;
  readonly deliveries: number;
  /** For a claim: the lease's links and its expiry (RFC 3339, database clock). */
  readonly lease?: { readonly ackHref: string; readonly nackHref: string; readonly expires: string } | undefined;
  /** For a parked entry: when it was parked (RFC 3339, database clock). */
  readonly parked?: string | undefined;
}

/** A claim or a page of parked entries. */
export interface GroupFeedView {
  readonly atomId: string;
  readonly title: string;
  readonly updated: string;
  readonly author: string;
  readonly links: readonly LinkView[];
  /** In log order; tombstones, if any, first (the claim ends before a tombstone after an entry). */
  readonly items: readonly GroupItemView[];
}

/**
 * The elements a group adds inside each entry: `atom:link rel="ack"` and `rel="nack"`, and
 * `g:seq`, `g:deliveries`, `g:lease-expires` or `g:parked` in the groups namespace. The links
 * carry their own xmlns, so they are Atom links whatever prefix the stored entry uses; RFC 6721
 * §2 allows atom:link and extension elements inside a tombstone too.
 */
function groupElements(item: GroupItemView): string {
  const g = { 'xmlns:g': NS.groups };
  return [
    item.lease && element('link', { xmlns: NS.atom, rel: 'ack', href: item.lease.ackHref }),
    item.lease && element('link', { xmlns: NS.atom, rel: 'nack', href: item.lease.nackHref }),
    element('g:seq', g, String(item.seq)),
    element('g:deliveries', g, String(item.deliveries)),
    item.lease && element('g:lease-expires', g, item.lease.expires),
    item.parked !== undefined && element('g:parked', g, item.parked),
  ].map((m) => (m ? m.markup : '')).join('');
}

/** Splices markup right after the start tag of an element (libxml2 escapes `>` in attributes). */
function spliceAfterStartTag(xml: string, inner: string): string {
  const end = xml.indexOf('>');
  if (end < 0) throw new Error('render: stored element has no start tag');
  if (xml[end - 1] === '/' && end === xml.length - 1) {
    const name = /^<([^\s/>]+)/.exec(xml)?.[1];
    if (name === undefined) throw new Error('render: stored element has no name');
    return `${xml.slice(0, end - 1)}>${inner}</${name}>`;
  }
  return xml.slice(0, end + 1) + inner + xml.slice(end + 1);
}

function renderItem(item: GroupItemView): Markup {
  const base = 'tombstoneXml' in item.entry ? item.entry.tombstoneXml : renderEntryElement(item.entry).markup;
  return raw(spliceAfterStartTag(base, groupElements(item)));
}

/** Renders a claim, or a page of parked entries, as an Atom feed document. */
export function renderGroupFeed(feed: GroupFeedView): string {
  return xmlDocument(element('feed', { xmlns: NS.atom }, ...renderFeedHead(feed), ...feed.links.map(renderLink), ...feed.items.map(renderItem)));
}
