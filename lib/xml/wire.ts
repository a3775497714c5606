import type { Element, Node } from 'libxmljs2';
import { isPortableNcName } from './name-chars.js';
import { InvalidDocumentError } from './parse.js';

/**
 * A posted document as plain data: the XML infoset AtomMQ keeps (namespace names, local names,
 * attributes, character data, comments, processing instructions), read out of libxml2's tree.
 * Prefixes, quoting, CDATA sections and where namespaces were declared are spelling, not
 * content, and are dropped here; the canonical writer chooses its own.
 */
export type WireNode = WireElement | { readonly kind: 'text'; readonly text: string } | { readonly kind: 'comment'; readonly text: string } | { readonly kind: 'pi'; readonly target: string; readonly data: string };

/** An element: its namespace name ('' for none), local name, attributes and children. */
export interface WireElement {
  readonly kind: 'element';
  ns: string;
  readonly local: string;
  /** The prefix the client used, a hint the writer may keep when it is plain ASCII. */
  readonly prefixHint: string | undefined;
  readonly attributes: readonly WireAttribute[];
  readonly children: WireNode[];
  /** True when the client put it in no namespace on purpose, with `xmlns=""` in scope. */
  readonly isExplicitlyUnqualified: boolean;
}

/** An attribute: namespace name ('' for none), local name, value. */
export interface WireAttribute {
  readonly ns: string;
  readonly local: string;
  readonly prefixHint: string | undefined;
  readonly value: string;
}

/** The namespace names no client may bind (Namespaces in XML 1.0 §3). */
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** XML 1.0 §2.2 Char: everything else is refused, so every stored document is well-formed. */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Throws {@link InvalidDocumentError} unless every character of `text` is an XML 1.0 Char. */
export function assertXmlChars(text: string, where: string): void {
  const bad = NOT_XML_CHAR.exec(text);
  if (bad !== null) {
    const code = bad[0].codePointAt(0) ?? 0;
    throw new InvalidDocumentError(`${where} holds U+${code.toString(16).toUpperCase().padStart(4, '0')}, a character XML 1.0 does not allow`);
  }
}

/**
 * Elements, attributes and character nodes one entry may hold. Reading each costs a few µs of
 * native calls, so this bounds the event loop's time per entry (batches yield between entries).
 */
export const MAX_NODES_PER_ENTRY = 8192;

/** Reads `el` and everything in it; `explicitlyUnqualified` is whether `xmlns=""` is in scope above it. */
export function readWireElement(el: Element, explicitlyUnqualified = false, nodes = { left: MAX_NODES_PER_ENTRY }): WireElement {
  nodes.left -= 1 + el.attrs().length;
  if (nodes.left < 0) throw new InvalidDocumentError(`an entry holds more than ${MAX_NODES_PER_ENTRY} elements, attributes and text nodes`);
  const ns = el.namespace();
  const href = ns?.href() ?? '';
  checkNamespace(href);
  const local = checkName(el.name(), 'an element');
  const localDefault = el.namespaces(true).find((d) => prefixOf(d.prefix()) === undefined);
  const unqualifiedHere = localDefault === undefined ? explicitlyUnqualified : localDefault.href() === '';
  const attributes = el.attrs().map((attribute): WireAttribute => {
    const attrNs = attribute.namespace();
    const attrHref = attrNs?.href() ?? '';
    checkNamespace(attrHref);
    const value = attribute.value();
    assertXmlChars(value, `the value of attribute ${attribute.name()}`);
    return { ns: attrHref, local: checkName(attribute.name(), 'an attribute'), prefixHint: prefixOf(attrNs?.prefix()), value };
  });
  const children: WireNode[] = [];
  for (const child of el.childNodes()) {
    const node = readChild(child, unqualifiedHere, nodes);
    if (node !== undefined) children.push(node);
  }
  return { kind: 'element', ns: href, local, prefixHint: prefixOf(ns?.prefix()), attributes, children, isExplicitlyUnqualified: href === '' && unqualifiedHere };
}

function readChild(child: Node, explicitlyUnqualified: boolean, nodes: { left: number }): WireNode | undefined {
  const type: string = child.type(); // libxmljs2 also reports 'cdata' and 'entity_ref', which its types omit
  if (isElement(child)) return readWireElement(child, explicitlyUnqualified, nodes);
  nodes.left -= 1;
  switch (type) {
    case 'text':
    case 'cdata': {
      const text = textOfNode(child);
      assertXmlChars(text, 'the text');
      return { kind: 'text', text };
    }
    case 'comment': {
      const text = textOfNode(child);
      assertXmlChars(text, 'a comment');
      return { kind: 'comment', text };
    }
    case 'pi': {
      const target = checkName(nameOfNode(child), 'a processing instruction');
      if (target.toLowerCase() === 'xml') throw new InvalidDocumentError('a processing instruction may not be named xml');
      const data = textOfNode(child);
      assertXmlChars(data, 'a processing instruction');
      return { kind: 'pi', target, data };
    }
    default:
      // Entity references cannot survive: DOCTYPEs are refused, so no entity is ever declared.
      throw new InvalidDocumentError(`the document holds a ${type} node, which AtomMQ does not store`);
  }
}

function isElement(node: Node): node is Element {
  return node.type() === 'element';
}

function textOfNode(node: Node): string {
  const text: unknown = 'text' in node && typeof node.text === 'function' ? node.text() : undefined;
  if (typeof text !== 'string') throw new Error('libxmljs2: a character node has no text');
  return text;
}

function nameOfNode(node: Node): string {
  const name: unknown = 'name' in node && typeof node.name === 'function' ? node.name() : undefined;
  if (typeof name !== 'string') throw new Error('libxmljs2: a processing instruction has no name');
  return name;
}

function checkName(name: string, what: string): string {
  if (isPortableNcName(name)) return name;
  // libxml2 keeps an undeclared prefix as part of the name (and reports error 201).
  if (name.includes(':')) throw new InvalidDocumentError(`${what} named ${JSON.stringify(name.slice(0, 80))} uses a namespace prefix that is not declared`);
  throw new InvalidDocumentError(`${what} is named ${JSON.stringify(name.slice(0, 80))}, which is not an XML 1.0 (Fourth Edition) name every parser reads`);
}

function checkNamespace(href: string): void {
  if (href === XMLNS_NS) throw new InvalidDocumentError('no element or attribute may be in the xmlns namespace');
  if (href.length > 1024) throw new InvalidDocumentError('a namespace name is longer than 1024 characters');
  assertXmlChars(href, 'a namespace name');
}

function prefixOf(prefix: unknown): string | undefined {
  return typeof prefix === 'string' && prefix !== '' ? prefix : undefined;
}
