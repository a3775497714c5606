import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { contentForm } from './message-input.js';

/** One message of a feed's log, as a consumer receives it. */
export interface Message {
  /** Its place in the feed's log: 1, 2, 3… gapless, in commit order. */
  readonly seq: number;
  /** The entry's `atom:id`; for a deletion, the id of the entry it deletes. */
  readonly id: string;
  readonly title: string;
  /**
   * The content as text: the text of `text` and `html`; the markup inside the `div` of `xhtml`;
   * the markup of XML media types; the decoded text of JSON and `text/*` types, inline or (when
   * subscribe fetches it) out of line; for any other media type, base64 as carried. Undefined
   * when there is none, or when it is out of line and not fetched (see `contentSrc`).
   */
  readonly content: string | undefined;
  /** `text`, `html`, `xhtml` or a media type; undefined when the entry has no content. */
  readonly contentType: string | undefined;
  /** The media resource of a media link entry (RFC 5023 §9.6). */
  readonly contentSrc: string | undefined;
  /** `atom:updated`; for a deletion, the tombstone's `when`. */
  readonly updated: string;
  /** True for an RFC 6721 tombstone: the entry `id` was deleted. */
  readonly deleted: boolean;
  /** The position ETag of this message; a cursor may resume from it. */
  readonly etag: string;
  /** The member URI (the entry's `self` link); undefined for a deletion. */
  readonly link: string | undefined;
  readonly summary: string | undefined;
  /** The first author's name. */
  readonly author: string | undefined;
  /** The entry's links by relation (`self`, `edit`, `edit-media`, `alternate`…). */
  readonly links: Readonly<Record<string, string>>;
}

const NAMESPACES = { a: NS.atom, h: NS.xhtml };

/** True for an element of a feed page that is a message: an Atom entry or an RFC 6721 tombstone. */
export function isMessageElement(el: Element): boolean {
  const ns = el.namespace()?.href();
  return (el.name() === 'entry' && ns === NS.atom) || (el.name() === 'deleted-entry' && ns === NS.tombstones);
}

/** Reads an entry or tombstone element at log position `seq` into a {@link Message}. */
export function messageOf(el: Element, seq: number, etag: string): Message {
  if (el.name() === 'deleted-entry') {
    return {
      seq, id: el.attr('ref')?.value() ?? '', title: '', content: undefined, contentType: undefined, contentSrc: undefined,
      updated: el.attr('when')?.value() ?? '', deleted: true, etag, link: undefined, summary: undefined, author: undefined, links: {},
    };
  }
  const links = linksOf(el);
  const content = el.get<Element>('a:content', NAMESPACES) ?? null;
  return {
    seq,
    id: childText(el, 'a:id') ?? '',
    title: childText(el, 'a:title') ?? '',
    ...readContent(content),
    updated: childText(el, 'a:updated') ?? '',
    deleted: false,
    etag,
    link: links['self'] ?? links['edit'],
    summary: childText(el, 'a:summary'),
    author: childText(el, 'a:author/a:name'),
    links,
  };
}

function childText(el: Element, xpath: string): string | undefined {
  return el.get<Element>(xpath, NAMESPACES)?.text();
}

function linksOf(el: Element): Record<string, string> {
  const links: Record<string, string> = {};
  for (const link of el.find<Element>('a:link', NAMESPACES)) {
    const rel = link.attr('rel')?.value() ?? 'alternate'; // RFC 4287 §4.2.7.2
    links[rel] ??= link.attr('href')?.value() ?? '';
  }
  return links;
}

/** Reads `atom:content` the way RFC 4287 §4.1.3.3 says it is carried. */
function readContent(content: Element | null): Pick<Message, 'content' | 'contentType' | 'contentSrc'> {
  if (content === null) return { content: undefined, contentType: undefined, contentSrc: undefined };
  const type = content.attr('type')?.value() ?? 'text';
  const src = content.attr('src')?.value();
  if (src !== undefined) return { content: undefined, contentType: type, contentSrc: src };
  switch (contentForm(type)) {
    case 'text':
      return { content: content.text(), contentType: type, contentSrc: undefined };
    case 'xhtml': {
      const div = content.get<Element>('h:div', NAMESPACES);
      return { content: innerMarkup(div ?? content), contentType: type, contentSrc: undefined };
    }
    case 'xml':
      return { content: innerMarkup(content), contentType: type, contentSrc: undefined };
    case 'base64':
      return { content: decodeBase64Content(content.text(), type), contentType: type, contentSrc: undefined };
  }
}

function innerMarkup(el: Element): string {
  return el.childNodes().map((node) => node.toString(false)).join('');
}

/**
 * Base64 content of a textual type (JSON) is decoded to its text; any other type's base64 is
 * kept as carried, without white space. Text that cannot be base64 (a publisher that put raw JSON
 * inline) is kept as it is.
 */
function decodeBase64Content(text: string, type: string): string {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return text;
  return isTextualType(type) ? Buffer.from(compact, 'base64').toString('utf8') : compact;
}

/** JSON types (`application/json`, `*+json`) are text in base64's clothing. */
export function isTextualType(type: string): boolean {
  const media = (type.split(';')[0] ?? '').trim().toLowerCase();
  return media === 'application/json' || media.endsWith('+json') || media.startsWith('text/') || media.endsWith('/xml') || media.endsWith('+xml');
}
