import type { Element } from 'libxmljs2';
import { writeCanonicalEntry } from './canonical.js';
import { NS } from './namespaces.js';
import { InvalidDocumentError, parseXmlDocument } from './parse.js';
import type { WireElement, WireNode } from './wire.js';
import { readWireElement } from './wire.js';

/**
 * Turns a posted Atom entry, or a batch of them, into the stored form: the client's entry as
 * an infoset, with everything the server controls taken out, written by the canonical writer
 * (canonical.ts). The server adds `atom:id`, `atom:updated`, `app:edited` and the self/edit
 * links back when it renders the entry.
 */

/** An entry as accepted for publishing. */
export interface AcceptedEntry {
  /** The stored form: an `entry` element in the Atom namespace, as canonical.ts writes it. */
  readonly xml: string;
  /** The entry's title text, for messages and logs. */
  readonly title: string;
}

/** A posted document: one entry, or a batch of entries in an Atom feed document. */
export type AcceptedDocument =
  | { readonly kind: 'entry'; readonly entry: AcceptedEntry }
  | { readonly kind: 'batch'; readonly entries: readonly AcceptedEntry[] };

/** A batch holds more entries than the server accepts in one POST. */
export class BatchTooLargeError extends Error {
  constructor(readonly count: number, readonly limit: number) {
    super(`the batch holds ${count} entries; the limit is ${limit}`);
    this.name = 'BatchTooLargeError';
  }
}

/** Link relations that only the server may set. */
const SERVER_LINK_RELS = new Set(['self', 'edit', 'edit-media']);
/** Atom children whose own children are Atom elements too (person constructs and source). */
const ATOM_CONTAINERS = new Set(['author', 'contributor', 'source']);
/**
 * The stored bytes of a POST are at most this many times the request's bytes, plus
 * {@link STORED_BYTES_PER_ENTRY} per entry (issue 10: no amplification). Canonical writing
 * drops unused declarations and escapes minimally, so only a document built to expand hits it.
 */
export const STORED_BYTES_FACTOR = 4;
export const STORED_BYTES_PER_ENTRY = 2048;

/**
 * Parses and normalizes an entry sent by PUT. For a media link entry (`isMediaLink`), the
 * server writes `content` itself (its `src` is the media resource), so the client's is dropped.
 */
export async function acceptEntry(bytes: Uint8Array, defaultAuthor: string, isMediaLink = false): Promise<AcceptedEntry> {
  const accepted = await acceptDocument(bytes, defaultAuthor, 1, false, isMediaLink);
  if (accepted.kind !== 'entry') throw new InvalidDocumentError('send one Atom <entry>, not a feed');
  return accepted.entry;
}

/**
 * Parses a posted entry, or a batch: an Atom feed document whose entries are all published in
 * one transaction. Each entry of a batch is normalized exactly like a single entry; the first
 * bad one fails the whole batch, named by its index (0 for the first entry).
 */
export async function acceptDocument(bytes: Uint8Array, defaultAuthor: string, maxEntries: number, allowBatch = true, isMediaLink = false): Promise<AcceptedDocument> {
  const root = (await parseXmlDocument(bytes)).root();
  if (root === null) throw new InvalidDocumentError('the body has no root element');
  const budget = { left: STORED_BYTES_FACTOR * bytes.byteLength };
  const rootNs = root.namespace()?.href();
  if (!allowBatch || root.name() !== 'feed' || (rootNs !== undefined && rootNs !== NS.atom)) {
    return { kind: 'entry', entry: acceptEntryElement(readWireElement(root), defaultAuthor, budget, isMediaLink) };
  }
  const children = root.childNodes().filter((c): c is Element => c.type() === 'element').filter((c) => c.name() === 'entry' && c.namespace()?.href() === rootNs);
  if (children.length === 0) throw new InvalidDocumentError('the batch feed holds no entries');
  if (children.length > maxEntries) throw new BatchTooLargeError(children.length, maxEntries);
  const entries: AcceptedEntry[] = [];
  let lastYield = performance.now();
  for (const [index, child] of children.entries()) {
    // A 1000-entry batch takes tens of milliseconds to read: let other requests in between.
    if (performance.now() - lastYield > 10) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
    try {
      entries.push(acceptEntryElement(readWireElement(child), defaultAuthor, budget, false));
    } catch (error) {
      if (error instanceof InvalidDocumentError) throw new InvalidDocumentError(`entry ${index} of the batch: ${error.message}`);
      throw error;
    }
  }
  return { kind: 'batch', entries };
}

/** Normalizes one entry element into its stored form, charging its size to `budget`. */
function acceptEntryElement(root: WireElement, defaultAuthor: string, budget: { left: number }, isMediaLink: boolean): AcceptedEntry {
  if (root.local !== 'entry' || (root.ns !== '' && root.ns !== NS.atom)) {
    throw new InvalidDocumentError(`the root element must be an Atom <entry>, not <${root.local}>${root.ns === '' ? '' : ` in ${root.ns.slice(0, 200)}`}`);
  }
  if (root.isExplicitlyUnqualified) throw new InvalidDocumentError('the root element must be an Atom <entry>; this one is put in no namespace by xmlns=""');
  // The original AtomMQ's `curl -d '<entry>…'` example has no namespace at all: such an entry
  // is moved into the Atom namespace, as its author meant.
  if (root.ns === '') adoptAtomNamespace(root);
  const atomChildren = (): WireElement[] => root.children.filter((c): c is WireElement => c.kind === 'element' && c.ns === NS.atom);
  const title = atomChildren().find((c) => c.local === 'title');
  if (title === undefined) throw new InvalidDocumentError('an entry needs a <title>');
  const kept = root.children.filter((c) => c.kind !== 'element' || !(isServerOwned(c) || (isMediaLink && c.ns === NS.atom && c.local === 'content')));
  root.children.splice(0, root.children.length, ...kept);
  // RFC 4287 §4.1.2: a standalone entry needs an author…
  if (!atomChildren().some((c) => c.local === 'author')) root.children.push(atom('author', {}, [atom('name', {}, [{ kind: 'text', text: defaultAuthor }])]));
  // …and content or an alternate link. An entry posted without either (`<entry><title>x</title></entry>`)
  // gets empty text content: the message is its title.
  if (isMediaLink) {
    // RFC 4287 §4.1.1.1: an entry whose content has a src needs a summary.
    if (!atomChildren().some((c) => c.local === 'summary')) root.children.push(atom('summary', { type: 'text' }, []));
  } else if (!atomChildren().some((c) => c.local === 'content' || (c.local === 'link' && relOf(c) === 'alternate'))) {
    root.children.push(atom('content', { type: 'text' }, []));
  }
  const xml = writeCanonicalEntry(root);
  budget.left -= new TextEncoder().encode(xml).byteLength - STORED_BYTES_PER_ENTRY;
  if (budget.left < 0) {
    throw new InvalidDocumentError(`its stored form would exceed ${STORED_BYTES_FACTOR} times the request's size plus ${STORED_BYTES_PER_ENTRY} bytes an entry`);
  }
  return { xml, title: textOf(title) };
}

function atom(local: string, attributes: Readonly<Record<string, string>>, children: WireNode[]): WireElement {
  return {
    kind: 'element', ns: NS.atom, local, prefixHint: undefined, children, isExplicitlyUnqualified: false,
    attributes: Object.entries(attributes).map(([name, value]) => ({ ns: '', local: name, prefixHint: undefined, value })),
  };
}

function relOf(el: WireElement): string {
  return el.attributes.find((a) => a.ns === '' && a.local === 'rel')?.value ?? 'alternate';
}

function textOf(el: WireElement): string {
  return el.children.map((c) => (c.kind === 'text' ? c.text : c.kind === 'element' ? textOf(c) : '')).join('');
}

/** True for the children of `entry` that only the server sets: id, updated, app:edited, self/edit links. */
function isServerOwned(child: WireElement): boolean {
  if (child.ns === NS.app) return child.local === 'edited';
  if (child.ns !== NS.atom) return false;
  return child.local === 'id' || child.local === 'updated' || (child.local === 'link' && SERVER_LINK_RELS.has(relOf(child)));
}

/** Puts a namespace-less entry, and the Atom constructs inside it, into the Atom namespace. */
function adoptAtomNamespace(root: WireElement): void {
  root.ns = NS.atom;
  for (const child of root.children) {
    if (child.kind !== 'element' || child.ns !== '' || child.isExplicitlyUnqualified) continue;
    child.ns = NS.atom;
    if (!ATOM_CONTAINERS.has(child.local)) continue;
    for (const grandchild of child.children) {
      if (grandchild.kind === 'element' && grandchild.ns === '' && !grandchild.isExplicitlyUnqualified) grandchild.ns = NS.atom;
    }
  }
}
