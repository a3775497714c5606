import type { Element, Namespace } from 'libxmljs2';
import { NS } from './namespaces.js';
import { InvalidDocumentError, parseXmlDocument } from './parse.js';
import { escapeAttribute } from './writer.js';

/**
 * Turns a posted Atom entry into its stored form: the client's entry element, serialized by
 * libxml2, with everything the server controls taken out. The server adds `atom:id`,
 * `atom:updated`, `app:edited` and the self/edit links back when it renders the entry.
 */

/** An entry as accepted for publishing. */
export interface AcceptedEntry {
  /** The stored form: an `entry` element in the Atom namespace. */
  readonly xml: string;
  /** The entry's title text, for messages and logs. */
  readonly title: string;
}

/** Link relations that only the server may set. */
const SERVER_LINK_RELS = new Set(['self', 'edit', 'edit-media']);
/** Atom children whose own children are Atom elements too (person constructs and source). */
const ATOM_CONTAINERS = new Set(['author', 'contributor', 'source']);

/**
 * Parses and normalizes a posted entry.
 *
 * The original AtomMQ's `curl -d '<entry>…'` example sends an entry with no namespace at all;
 * such an entry is moved into the Atom namespace, as its author meant.
 *
 * @param defaultAuthor added when the entry has no `atom:author`, since RFC 4287 §4.1.2 requires
 *   one on a standalone entry document.
 */
export async function acceptEntry(bytes: Uint8Array, defaultAuthor: string): Promise<AcceptedEntry> {
  const root = (await parseXmlDocument(bytes)).root();
  if (root === null) throw new InvalidDocumentError('the body has no root element');
  return acceptEntryElement(root, defaultAuthor);
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

/**
 * Parses a posted entry, or a batch: an Atom feed document whose entries are all published in
 * one transaction. Each entry of a batch is normalized exactly like a single entry; the first
 * bad one fails the whole batch, named by its index (0 for the first entry).
 */
export async function acceptDocument(bytes: Uint8Array, defaultAuthor: string, maxEntries: number): Promise<AcceptedDocument> {
  const root = (await parseXmlDocument(bytes)).root();
  if (root === null) throw new InvalidDocumentError('the body has no root element');
  const rootNs = root.namespace()?.href();
  if (root.name() !== 'feed' || (rootNs !== undefined && rootNs !== NS.atom)) {
    return { kind: 'entry', entry: acceptEntryElement(root, defaultAuthor) };
  }
  const children = elementChildren(root).filter((c) => c.name() === 'entry' && c.namespace()?.href() === rootNs);
  if (children.length === 0) throw new InvalidDocumentError('the batch feed holds no entries');
  if (children.length > maxEntries) throw new BatchTooLargeError(children.length, maxEntries);
  const entries: AcceptedEntry[] = [];
  for (const [index, child] of children.entries()) {
    try {
      entries.push(await acceptEntry(new TextEncoder().encode(standaloneText(child)), defaultAuthor));
    } catch (error) {
      if (error instanceof InvalidDocumentError) throw new InvalidDocumentError(`entry ${index} of the batch: ${error.message}`);
      throw error;
    }
  }
  return { kind: 'batch', entries };
}

/**
 * Serializes an entry of a batch feed as a document of its own: libxml2 writes only the
 * namespace declarations made on the element itself, so those it inherits from the feed are
 * added to its start tag. (Copying the node into a new libxmljs2 Document instead corrupts
 * libxml2's heap in libxmljs2 0.35.)
 */
function standaloneText(entry: Element): string {
  const prefixOf = (ns: Namespace): string => {
    const prefix: unknown = ns.prefix();
    return typeof prefix === 'string' ? prefix : '';
  };
  const local = new Set(entry.namespaces(true).map(prefixOf));
  const inherited = entry.namespaces().filter((ns) => !local.has(prefixOf(ns)));
  const declarations = inherited.map((ns) => ` ${prefixOf(ns) === '' ? 'xmlns' : `xmlns:${prefixOf(ns)}`}="${escapeAttribute(ns.href())}"`).join('');
  const text = entry.toString(false);
  const name = /^<[^\s/>]+/.exec(text)?.[0] ?? '<entry';
  return name + declarations + text.slice(name.length);
}

/** Normalizes one entry element (the root of its own document) into its stored form. */
function acceptEntryElement(root: Element, defaultAuthor: string): AcceptedEntry {
  const rootNs = root.namespace()?.href();
  if (root.name() !== 'entry' || (rootNs !== undefined && rootNs !== NS.atom)) {
    throw new InvalidDocumentError(`the root element must be an Atom <entry>, not <${root.name()}>${rootNs ? ` in ${rootNs}` : ''}`);
  }
  if (rootNs === undefined) {
    if (isExplicitlyUnqualified(root)) {
      throw new InvalidDocumentError('the root element must be an Atom <entry>; this one is put in no namespace by xmlns=""');
    }
    adoptAtomNamespace(root);
  }
  const atom = root.namespace();
  if (atom === null) throw new InvalidDocumentError('the root element must be an Atom <entry>');
  const children = atomChildren(root);
  const title = children.find((c) => c.name() === 'title');
  if (title === undefined) throw new InvalidDocumentError('an entry needs a <title>');
  for (const child of elementChildren(root)) if (isServerOwned(child)) child.remove();
  if (!children.some((c) => c.name() === 'author')) {
    // libxmljs2 creates elements in no namespace; a prefixed root would leave them there.
    const author = root.node('author');
    author.namespace(atom);
    const name = author.node('name');
    name.namespace(atom);
    name.text(defaultAuthor);
  }
  keepUnqualifiedOutOfAtom(root);
  return { xml: root.toString(false), title: title.text() };
}

/** True for the children of `entry` that only the server sets: id, updated, app:edited, self/edit links. */
function isServerOwned(child: Element): boolean {
  const ns = child.namespace()?.href();
  const name = child.name();
  if (ns === NS.app) return name === 'edited';
  if (ns !== NS.atom) return false;
  return name === 'id' || name === 'updated' || (name === 'link' && SERVER_LINK_RELS.has(child.attr('rel')?.value() ?? 'alternate'));
}

function elementChildren(el: Element): Element[] {
  return el.childNodes().filter((n): n is Element => n.type() === 'element');
}

function atomChildren(el: Element): Element[] {
  return elementChildren(el).filter((c) => c.namespace()?.href() === NS.atom);
}

/** Puts a namespace-less entry, and the Atom constructs inside it, into the Atom namespace. */
function adoptAtomNamespace(root: Element): void {
  const atom = root.defineNamespace(NS.atom);
  root.namespace(atom);
  for (const child of elementChildren(root)) {
    if (child.namespace() !== null || isExplicitlyUnqualified(child)) continue;
    child.namespace(atom);
    if (ATOM_CONTAINERS.has(child.name())) {
      for (const grandchild of elementChildren(child)) {
        if (grandchild.namespace() === null && !isExplicitlyUnqualified(grandchild)) grandchild.namespace(atom);
      }
    }
  }
}

/**
 * True when `xmlns=""` is the default namespace declaration in scope at `el`: the sender put it
 * in no namespace on purpose, so it is not moved into the Atom namespace. libxml2 would write
 * such an element back with its `xmlns=""`, which would take it out of the Atom namespace again
 * on the next parse. On the root, defining a second default namespace is also what libxmljs2
 * cannot do (xmlNewNs returns NULL, and the binding crashes the process).
 */
function isExplicitlyUnqualified(el: Element): boolean {
  const inScopeDefault = el.namespaces().find((ns) => isDefaultDeclaration(ns));
  return inScopeDefault !== undefined && inScopeDefault.href() === '';
}

function isDefaultDeclaration(ns: Namespace): boolean {
  const prefix: unknown = ns.prefix();
  return prefix === null || prefix === undefined || prefix === '';
}

/**
 * The stored entry is spliced as is into entry documents and into feeds, whose default namespace
 * is Atom. An element in no namespace under a prefixed root would silently become an Atom
 * element inside a feed, so such a root gets an explicit `xmlns=""`, which keeps the stored form
 * meaning the same thing wherever it is written.
 */
function keepUnqualifiedOutOfAtom(root: Element): void {
  if (root.namespaces().some((ns) => isDefaultDeclaration(ns))) return;
  if (root.find('.//*[namespace-uri()=""]').length === 0) return;
  root.defineNamespace('');
}
