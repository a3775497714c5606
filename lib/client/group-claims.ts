import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { parseXmlDocument } from '../xml/parse.js';

/** One entry a claim handed out, as a worker uses it. */
export interface ClaimedMessage {
  /** Its position in the feed's log. */
  readonly seq: number;
  /** How many times the group has handed it out, this time included. */
  readonly deliveries: number;
  /** When the lease ends, by the server's clock. */
  readonly leaseExpires: Date;
  /** The entry's `atom:title` ('' for a tombstone). */
  readonly title: string;
  /** True for an RFC 6721 tombstone (`at:deleted-entry`). */
  readonly isTombstone: boolean;
  /** The entry (or tombstone) element as XML, self-contained. */
  readonly xml: string;
  /** The lease's ack and nack links. */
  readonly ackUrl: string;
  readonly nackUrl: string;
}

const XPATH_NS = { a: NS.atom, g: NS.groups, at: NS.tombstones };

/** Reads a claim document (an Atom feed) into its messages, in log order. */
export async function parseClaimedMessages(body: string): Promise<ClaimedMessage[]> {
  const document = await parseXmlDocument(new TextEncoder().encode(body));
  const root = document.root();
  if (root === null) return [];
  return root.find<Element>('a:entry | at:deleted-entry', XPATH_NS).map((element) => {
    const text = (xpath: string): string => element.get<Element>(xpath, XPATH_NS)?.text() ?? '';
    const link = (rel: string): string => element.get<Element>(`a:link[@rel="${rel}"]`, XPATH_NS)?.attr('href')?.value() ?? '';
    return {
      seq: Number(text('g:seq')),
      deliveries: Number(text('g:deliveries')),
      leaseExpires: new Date(text('g:lease-expires')),
      title: text('a:title'),
      isTombstone: element.name() === 'deleted-entry',
      xml: element.toString(),
      ackUrl: link('ack'),
      nackUrl: link('nack'),
    };
  });
}
