import { NS } from '../xml/namespaces.js';
import type { Markup } from '../xml/writer.js';
import { element, raw, xmlDocument } from '../xml/writer.js';

/** A message to publish as an Atom entry. */
export interface MessageInput {
  /** The entry's `atom:title`; every entry needs one (RFC 4287 §4.1.2). */
  readonly title: string;
  /** The message body; bytes are allowed with a media type. */
  readonly content?: string | Uint8Array | undefined;
  /**
   * `text` (the default), `html`, `xhtml` (markup that goes inside an XHTML `div`), or a media
   * type such as `application/json`.
   */
  readonly contentType?: string | undefined;
  readonly summary?: string | undefined;
  /** The `atom:author` name; the server supplies one when it is left out. */
  readonly author?: string | undefined;
  /** `atom:category` terms. */
  readonly categories?: readonly string[] | undefined;
}

/**
 * Renders a message as an Atom entry element. How content is carried follows RFC 4287 §4.1.3.3:
 * text and html as escaped text, xhtml inside a `div`, XML media types as markup, `text/*` as
 * text, and every other media type (JSON included) base64-encoded.
 */
export function entryElement(message: MessageInput): Markup {
  if (typeof message.title !== 'string') throw new TypeError('a message needs a string title');
  return element('entry', { xmlns: NS.atom },
    element('title', {}, message.title),
    message.author !== undefined && element('author', {}, element('name', {}, message.author)),
    ...(message.categories ?? []).map((term) => element('category', { term })),
    message.summary !== undefined && element('summary', {}, message.summary),
    message.content !== undefined && contentElement(message.content, message.contentType ?? 'text'));
}

/** An Atom entry document for one message. */
export function entryDocument(message: MessageInput): string {
  return xmlDocument(entryElement(message));
}

/** An Atom feed document whose entries the server publishes as one batch, all or none. */
export function batchDocument(messages: readonly MessageInput[]): string {
  return xmlDocument(element('feed', { xmlns: NS.atom }, element('title', {}, 'batch'), ...messages.map(entryElement)));
}

/** How RFC 4287 §4.1.3.3 carries content of this type inside the entry. */
export type ContentForm = 'text' | 'xhtml' | 'xml' | 'base64';

/** The form content of `type` takes: `text`, `html` and `text/*` are text; XML types markup. */
export function contentForm(type: string): ContentForm {
  const media = (type.split(';')[0] ?? '').trim().toLowerCase();
  if (media === 'text' || media === 'html' || media.startsWith('text/')) return 'text';
  if (media === 'xhtml') return 'xhtml';
  if (media.endsWith('/xml') || media.endsWith('+xml')) return 'xml';
  return 'base64';
}

function contentElement(content: string | Uint8Array, type: string): Markup {
  const form = contentForm(type);
  if (form === 'base64') {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    return element('content', { type }, bytes.toString('base64'));
  }
  const text = typeof content === 'string' ? content : new TextDecoder('utf-8', { fatal: true }).decode(content);
  if (form === 'text') return element('content', { type }, text);
  // The caller's markup is spliced as is; the server refuses it with a 400 if it is not well-formed.
  if (form === 'xhtml') return element('content', { type }, element('div', { xmlns: NS.xhtml }, raw(text)));
  return element('content', { type }, raw(text));
}
