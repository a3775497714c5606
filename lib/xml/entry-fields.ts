import type { Element } from 'libxmljs2';
import { NS } from './namespaces.js';
import { parseXmlDocument } from './parse.js';

/** What the HTML view shows of a stored entry; all plain text, never markup. */
export interface EntryFields {
  readonly title: string;
  /** The content as text: text content as is, the source of `html`, the text of `xhtml`. */
  readonly content: string | undefined;
  /** `text`, `html`, `xhtml` or a media type (RFC 4287 §4.1.3). */
  readonly contentType: string;
  /** Out-of-line content (`content/@src`), as the publisher wrote it. */
  readonly contentSrc: string | undefined;
  readonly summary: string | undefined;
  readonly authors: readonly string[];
}

const UTF8 = new TextEncoder();

/**
 * Reads the fields the HTML view shows from a stored entry (the xml layer's own serialization).
 * Everything comes back as text; markup in an `html` title or content stays its source text.
 */
export async function readEntryFields(xml: string): Promise<EntryFields> {
  const root = (await parseXmlDocument(UTF8.encode(xml))).root();
  const children = root === null ? [] : atomChildren(root);
  const first = (name: string): Element | undefined => children.find((c) => c.name() === name);
  const content = first('content');
  const type = content?.attr('type')?.value() ?? 'text';
  return {
    title: first('title')?.text().trim() ?? '',
    content: content === undefined ? undefined : content.text(),
    contentType: type,
    contentSrc: content?.attr('src')?.value(),
    summary: first('summary')?.text(),
    authors: children.filter((c) => c.name() === 'author').map((a) => atomChildren(a).find((c) => c.name() === 'name')?.text().trim() ?? '').filter((n) => n !== ''),
  };
}

function atomChildren(element: Element): Element[] {
  return element.childNodes().filter((n): n is Element => n.type() === 'element').filter((e) => e.namespace()?.href() === NS.atom);
}
