import { NS } from './namespaces.js';
import type { WireAttribute, WireElement, WireNode } from './wire.js';
import { XML_NS } from './wire.js';

/**
 * Writes an entry in AtomMQ's one stored form, whatever spelling the client used:
 * - the root is `<entry xmlns="http://www.w3.org/2005/Atom"`, so the renderer can add the
 *   elements the server owns right after that start tag without knowing any client prefix;
 * - every other namespace the entry uses (and only those) is declared once, on that root;
 *   the client's prefix is kept when it is plain ASCII and free, otherwise `ns1`, `ns2`…;
 * - an element in no namespace gets `xmlns=""` where it leaves the Atom default;
 * - character data is escaped minimally, so the stored form is never much larger than the
 *   text that was posted.
 */
export function writeCanonicalEntry(root: WireElement): string {
  const prefixes = assignPrefixes(root);
  const declared = [...prefixes.named.entries()];
  if (prefixes.atom !== undefined) declared.unshift([NS.atom, prefixes.atom]);
  const declarations = declared.map(([uri, prefix]) => ` xmlns:${prefix}=${quoteAttribute(uri, true)}`).join('');
  const out: string[] = [];
  writeElement(root, prefixes, true, out, `<entry xmlns="${NS.atom}"${declarations}`);
  return out.join('');
}

/** The start of every stored entry; the renderer's splice point follows the root's attributes. */
export const CANONICAL_START = `<entry xmlns="${NS.atom}"`;

const PLAIN_PREFIX = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

/**
 * Chooses a prefix for each namespace the entry uses. Atom is the default namespace ('') and
 * also gets a prefix when an attribute is in it or an Atom element sits inside a no-namespace
 * element (where the default is empty).
 */
interface Prefixes {
  /** The prefix of each namespace other than Atom and xml. */
  readonly named: Map<string, string>;
  /** Atom's prefix, when it needs one besides being the default. */
  readonly atom: string | undefined;
}

function assignPrefixes(root: WireElement): Prefixes {
  const hints = new Map<string, string | undefined>();
  let needsAtomPrefix = false;
  const visit = (el: WireElement, defaultIsAtom: boolean): void => {
    if (el.ns === NS.atom && !defaultIsAtom) needsAtomPrefix = true;
    else if (el.ns !== '' && el.ns !== NS.atom && !hints.has(el.ns)) hints.set(el.ns, el.prefixHint);
    for (const attribute of el.attributes) {
      if (attribute.ns === NS.atom) needsAtomPrefix = true;
      else if (attribute.ns !== '' && !hints.has(attribute.ns)) hints.set(attribute.ns, attribute.prefixHint);
    }
    const childDefaultIsAtom = el.ns === '' ? false : defaultIsAtom;
    for (const child of el.children) if (child.kind === 'element') visit(child, childDefaultIsAtom);
  };
  visit(root, true);
  hints.delete(XML_NS);
  const named = new Map<string, string>();
  let atom: string | undefined;
  const taken = new Set<string>();
  const free = (prefix: string | undefined): prefix is string =>
    prefix !== undefined && PLAIN_PREFIX.test(prefix) && !prefix.toLowerCase().startsWith('xml') && !taken.has(prefix);
  let counter = 0;
  const nextGenerated = (): string => {
    do counter += 1; while (taken.has(`ns${counter}`));
    return `ns${counter}`;
  };
  if (needsAtomPrefix) hints.set(NS.atom, 'atom');
  for (const [uri, hint] of hints) {
    const prefix = free(hint) && !/^ns\d+$/.test(hint) ? hint : nextGenerated();
    taken.add(prefix);
    if (uri === NS.atom) atom = prefix;
    else named.set(uri, prefix);
  }
  return { named, atom };
}

function qualifiedName(ns: string, local: string, prefixes: Prefixes, defaultIsAtom: boolean, isAttribute: boolean): string {
  if (ns === '') return local;
  if (ns === XML_NS) return `xml:${local}`;
  if (ns === NS.atom) return isAttribute || !defaultIsAtom ? `${prefixes.atom ?? 'atom'}:${local}` : local;
  return `${prefixes.named.get(ns) ?? 'ns0'}:${local}`;
}

function writeElement(el: WireElement, prefixes: Prefixes, defaultIsAtom: boolean, out: string[], rootStart?: string): void {
  const name = rootStart === undefined ? qualifiedName(el.ns, el.local, prefixes, defaultIsAtom, false) : 'entry';
  // Only the root's attribute values escape `>`, so the first `>` of a stored entry ends its start tag.
  let start = rootStart ?? `<${name}`;
  let childDefaultIsAtom = defaultIsAtom;
  if (el.ns === '' && defaultIsAtom) {
    start += ' xmlns=""';
    childDefaultIsAtom = false;
  }
  for (const attribute of el.attributes) start += ` ${attributeName(attribute, prefixes)}=${quoteAttribute(attribute.value, rootStart !== undefined)}`;
  if (el.children.length === 0) {
    out.push(`${start}/>`);
    return;
  }
  out.push(`${start}>`);
  for (const child of el.children) writeNode(child, prefixes, childDefaultIsAtom, out);
  out.push(`</${name}>`);
}

function writeNode(node: WireNode, prefixes: Prefixes, defaultIsAtom: boolean, out: string[]): void {
  switch (node.kind) {
    case 'element': return writeElement(node, prefixes, defaultIsAtom, out);
    case 'text': out.push(escapeText(node.text)); return;
    case 'comment': out.push(`<!--${node.text}-->`); return;
    case 'pi': out.push(node.data === '' ? `<?${node.target}?>` : `<?${node.target} ${node.data}?>`); return;
  }
}

function attributeName(attribute: WireAttribute, prefixes: Prefixes): string {
  return qualifiedName(attribute.ns, attribute.local, prefixes, true, true);
}

/** Escapes `&`, `<`, `>` only where it closes `]]>`, and CR, which a parser would otherwise turn into LF. */
function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/]]>/g, ']]&gt;').replace(/\r/g, '&#13;');
}

/**
 * Quotes an attribute value with whichever quote it holds fewer of. Tab, LF and CR become
 * character references, since attribute-value normalization would turn them into spaces.
 */
function quoteAttribute(value: string, escapeGt: boolean): string {
  const doubles = value.split('"').length;
  const singles = value.split("'").length;
  const quote = doubles <= singles ? '"' : "'";
  let escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
  escaped = escaped.split(quote).join(quote === '"' ? '&quot;' : '&apos;');
  if (escapeGt) escaped = escaped.replace(/>/g, '&gt;');
  return `${quote}${escaped}${quote}`;
}
