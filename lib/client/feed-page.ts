import type { Element } from 'libxmljs2';
import { NS } from '../xml/namespaces.js';
import { parseXmlDocument } from '../xml/parse.js';
import { AtomMQProtocolError } from './errors.js';
import type { Position } from './etag.js';
import { parsePositionEtag, positionEtag } from './etag.js';
import type { Message } from './message.js';
import { isMessageElement, messageOf } from './message.js';
import type { Answer } from './request.js';

/** A page of a feed's log, read and numbered. */
export interface LogPage {
  readonly messages: readonly Message[];
  /** The position of the page's last message; for an empty page, where the read started. */
  readonly end: Position;
  /** Set when the cursor pointed into entries retention had removed: everything up to here is gone. */
  readonly prunedThrough: number | undefined;
}

/**
 * Numbers the messages of a feed page read after position `after`. A page holds the entries that
 * follow the cursor with no gap, in log order (tombstones never follow an entry on a page), and
 * its ETag names its last position, so the messages are `start+1 … end`, where `start` is the
 * cursor, or the `AtomMQ-Pruned-Through` position when retention removed what the cursor named.
 */
export async function readLogPage(url: string, answer: Answer, after: number): Promise<LogPage> {
  const end = parsePositionEtag(answer.headers.get('etag'));
  if (end === undefined) throw new AtomMQProtocolError(`GET ${url}: a feed page without a position ETag; is this an AtomMQ feed?`);
  const prunedHeader = answer.headers.get('atommq-pruned-through');
  const prunedThrough = prunedHeader !== null && /^\d{1,15}$/.test(prunedHeader.trim()) ? Number(prunedHeader.trim()) : undefined;
  const start = Math.max(after, prunedThrough ?? 0);
  const items = await pageItems(url, answer.body);
  if (start + items.length !== end.seq) {
    throw new AtomMQProtocolError(`GET ${url}: the page holds ${items.length} messages after position ${start}, but its ETag names position ${end.seq}`);
  }
  const messages = items.map((el, index) => messageOf(el, start + index + 1, positionEtag({ feedTag: end.feedTag, seq: start + index + 1 })));
  return { messages, end, prunedThrough: prunedThrough !== undefined && prunedThrough > after ? prunedThrough : undefined };
}

async function pageItems(url: string, body: Uint8Array): Promise<Element[]> {
  let root: Element | null;
  try {
    root = (await parseXmlDocument(body)).root();
  } catch (error) {
    throw new AtomMQProtocolError(`GET ${url}: not a readable feed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (root === null || root.name() !== 'feed' || root.namespace()?.href() !== NS.atom) {
    throw new AtomMQProtocolError(`GET ${url}: the answer is not an Atom feed`);
  }
  return root.childNodes().filter((node): node is Element => node.type() === 'element').filter(isMessageElement);
}
