import libxml from 'libxmljs2';
import type { Element } from 'libxmljs2';

const NS = { a: 'http://www.w3.org/2005/Atom', g: 'tag:atommq.org,2026:groups', at: 'http://purl.org/atompub/tombstones/1.0' };

/** One entry of a claim (or of the parked list) as a worker reads it. */
export interface ClaimedItem {
  readonly seq: number;
  readonly title: string;
  readonly deliveries: number;
  readonly ack: string;
  readonly nack: string;
  /** Lease expiry, ms since the epoch (server time). */
  readonly expiresMs: number;
  readonly isTombstone: boolean;
}

/** Parses a claim document, or a page of parked entries. */
export function parseClaim(xml: string): ClaimedItem[] {
  const root = libxml.parseXml(xml, { noent: false, dtdload: false, nonet: true }).root();
  if (root === null || root.name() !== 'feed') throw new Error(`not a feed: ${xml.slice(0, 200)}`);
  const items = root.find<Element>('a:entry | at:deleted-entry', NS);
  return items.map((el) => {
    const link = (rel: string): string => el.get<Element>(`a:link[@rel="${rel}"]`, NS)?.attr('href')?.value() ?? '';
    const text = (xpath: string): string => el.get<Element>(xpath, NS)?.text() ?? '';
    const expires = text('g:lease-expires');
    return {
      seq: Number(text('g:seq')), title: text('a:title'), deliveries: Number(text('g:deliveries')),
      ack: link('ack'), nack: link('nack'), expiresMs: expires === '' ? 0 : Date.parse(expires), isTombstone: el.name() === 'deleted-entry',
    };
  });
}

/** The path and query of an absolute link, for in-process calls. */
export function pathOf(href: string): string {
  const url = new URL(href);
  return `${url.pathname}${url.search}`;
}

/** An Atom entry with this title. */
export function entryXml(title: string): string {
  return `<entry xmlns="http://www.w3.org/2005/Atom"><title>${title}</title></entry>`;
}
