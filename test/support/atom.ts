import libxml from 'libxmljs2';
import type { Element } from 'libxmljs2';

const NS = { a: 'http://www.w3.org/2005/Atom', app: 'http://www.w3.org/2007/app', p: 'urn:ietf:rfc:7807' };

/** An entry as a consumer reads it. */
export interface ReadEntry {
  readonly id: string;
  readonly title: string;
  readonly updated: string;
  readonly links: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly element: Element;
}

/** A feed page as a consumer reads it. */
export interface ReadFeed {
  readonly id: string;
  readonly title: string;
  readonly links: Readonly<Record<string, string>>;
  readonly entries: readonly ReadEntry[];
}

function parse(xml: string): Element {
  const root = libxml.parseXml(xml, { noent: false, dtdload: false, nonet: true }).root();
  if (root === null) throw new Error('document has no root');
  return root;
}

function text(el: Element, xpath: string): string {
  return el.get<Element>(xpath, NS)?.text() ?? '';
}

function links(el: Element): Record<string, string> {
  const result: Record<string, string> = {};
  for (const link of el.find<Element>('a:link', NS)) result[link.attr('rel')?.value() ?? 'alternate'] = link.attr('href')?.value() ?? '';
  return result;
}

function readEntry(el: Element): ReadEntry {
  return {
    id: text(el, 'a:id'), title: text(el, 'a:title'), updated: text(el, 'a:updated'), links: links(el),
    contentType: el.get<Element>('a:content', NS)?.attr('type')?.value(), element: el,
  };
}

/** Parses an Atom feed document. */
export function parseFeed(xml: string): ReadFeed {
  const root = parse(xml);
  if (root.name() !== 'feed' || root.namespace()?.href() !== NS.a) throw new Error(`not an Atom feed: ${xml.slice(0, 200)}`);
  return { id: text(root, 'a:id'), title: text(root, 'a:title'), links: links(root), entries: root.find<Element>('a:entry', NS).map(readEntry) };
}

/** Parses an Atom entry document. */
export function parseEntry(xml: string): ReadEntry {
  const root = parse(xml);
  if (root.name() !== 'entry' || root.namespace()?.href() !== NS.a) throw new Error(`not an Atom entry: ${xml.slice(0, 200)}`);
  return readEntry(root);
}

/** Reads the detail of an RFC 9457 problem document. */
export function problemDetail(xml: string): string {
  return text(parse(xml), 'p:detail');
}

/** Reads the collection hrefs of a service document. */
export function serviceCollections(xml: string): string[] {
  return parse(xml).find<Element>('//app:collection', NS).map((c) => c.attr('href')?.value() ?? '');
}
