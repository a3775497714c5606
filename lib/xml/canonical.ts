import { NS } from './namespaces.js';
import type { WireElement, WireNode } from './wire.js';
import { XML_NS } from './wire.js';

/**
 * Writes an entry in AtomMQ's one stored form, whatever spelling the client used:
 * - the root is `<entry xmlns="http://www.w3.org/2005/Atom"`, so the renderer can add the
 *   elements the server owns right after that start tag without knowing any client prefix;
 * - every namespace written with a prefix (and only those) is declared once, on that root;
 *   the client's prefix is kept when it is plain ASCII and free, otherwise `ns1`, `ns2`…;
 * - a namespace the client used as its default stays the default where it begins (see
 *   {@link place}), and an element in no namespace gets `xmlns=""` where it leaves another;
 * - character data is escaped minimally, so the stored form is never much larger than the
 *   text that was posted.
 */
export function writeCanonicalEntry(root: WireElement): string {
  const prefixes = assignPrefixes(root);
  const declared = [...prefixes.named.entries()];
  if (prefixes.atom !== undefined) declared.unshift([NS.atom, prefixes.atom]);
  const declarations = declared.map(([uri, prefix]) => ` xmlns:${prefix}=${quoteAttribute(uri, true)}`).join('');
  const out: string[] = [];
  writeElement(root, prefixes, NS.atom, out, `<entry xmlns="${NS.atom}"${declarations}`);
  return out.join('');
}

/** The start of every stored entry; the renderer's splice point follows the root's attributes. */
export const CANONICAL_START = `<entry xmlns="${NS.atom}"`;

const PLAIN_PREFIX = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

interface Prefixes {
  /** The prefix of each namespace other than Atom and xml. */
  readonly named: Map<string, string>;
  /** Atom's prefix, when it needs one besides being the default. */
  readonly atom: string | undefined;
}

/** How an element is written, given the default namespace in scope where it stands. */
interface Placement {
  /** The namespace written with a prefix, or undefined when the element is unprefixed. */
  readonly prefixed: string | undefined;
  /** A default namespace declaration the element carries (`xmlns="…"`), if any. */
  readonly declaresDefault: string | undefined;
  /** The default namespace in scope for its children. */
  readonly childDefault: string;
}

/**
 * Atom elements are unprefixed where Atom is the default, and prefixed elsewhere (inside an
 * element in no namespace). An element the client wrote in its default namespace (XHTML in
 * `content type="xhtml"`, typically) stays unprefixed with `xmlns="…"` where that default
 * begins, as RFC 4287 §4.1.3.3 readers expect; one the client prefixed gets the prefix declared
 * on the root. An element in no namespace gets `xmlns=""` where it leaves another default.
 */
function place(el: WireElement, inScopeDefault: string): Placement {
  if (el.ns === '') return { prefixed: undefined, declaresDefault: inScopeDefault === '' ? undefined : '', childDefault: '' };
  if (el.ns === NS.atom) return { prefixed: inScopeDefault === NS.atom ? undefined : NS.atom, declaresDefault: undefined, childDefault: inScopeDefault };
  if (el.prefixHint === undefined) return { prefixed: undefined, declaresDefault: inScopeDefault === el.ns ? undefined : el.ns, childDefault: el.ns };
  return { prefixed: el.ns, declaresDefault: undefined, childDefault: inScopeDefault };
}

/** Chooses a prefix for each namespace that is written with one, keeping plain ASCII client prefixes. */
function assignPrefixes(root: WireElement): Prefixes {
  const hints = new Map<string, string | undefined>();
  const visit = (el: WireElement, inScopeDefault: string): void => {
    const placement = place(el, inScopeDefault);
    if (placement.prefixed !== undefined && !hints.has(placement.prefixed)) hints.set(placement.prefixed, placement.prefixed === NS.atom ? 'atom' : el.prefixHint);
    for (const attribute of el.attributes) {
      if (attribute.ns !== '' && !hints.has(attribute.ns)) hints.set(attribute.ns, attribute.ns === NS.atom ? 'atom' : attribute.prefixHint);
    }
    for (const child of el.children) if (child.kind === 'element') visit(child, placement.childDefault);
  };
  visit(root, NS.atom);
  hints.delete(XML_NS);
  const named = new Map<string, string>();
  let atom: string | undefined;
  const taken = new Set<string>();
  const free = (prefix: string | undefined): prefix is string =>
    prefix !== undefined && PLAIN_PREFIX.test(prefix) && !prefix.toLowerCase().startsWith('xml') && !taken.has(prefix) && !/^ns\d+$/.test(prefix);
  let counter = 0;
  const nextGenerated = (): string => {
    do counter += 1; while (taken.has(`ns${counter}`));
    return `ns${counter}`;
  };
  for (const [uri, hint] of hints) {
    const prefix = free(hint) ? hint : nextGenerated();
    taken.add(prefix);
    if (uri === NS.atom) atom = prefix;
    else named.set(uri, prefix);
  }
  return { named, atom };
}

function prefixedName(ns: string, local: string, prefixes: Prefixes): string {
  if (ns === XML_NS) return `xml:${local}`;
  const prefix = ns === NS.atom ? prefixes.atom : prefixes.named.get(ns);
  return `${prefix ?? 'ns0'}:${local}`;
}

function writeElement(el: WireElement, prefixes: Prefixes, inScopeDefault: string, out: string[], rootStart?: string): void {
  const placement = place(el, inScopeDefault);
  const name = rootStart !== undefined ? 'entry' : placement.prefixed === undefined ? el.local : prefixedName(placement.prefixed, el.local, prefixes);
  // Only the root's attribute values escape `>`, so the first `>` of a stored entry ends its start tag.
  let start = rootStart ?? `<${name}`;
  if (rootStart === undefined && placement.declaresDefault !== undefined) start += ` xmlns=${quoteAttribute(placement.declaresDefault, false)}`;
  for (const attribute of el.attributes) {
    const attributeName = attribute.ns === '' ? attribute.local : prefixedName(attribute.ns, attribute.local, prefixes);
    start += ` ${attributeName}=${quoteAttribute(attribute.value, rootStart !== undefined)}`;
  }
  if (el.children.length === 0) {
    out.push(`${start}/>`);
    return;
  }
  out.push(`${start}>`);
  for (const child of el.children) writeNode(child, prefixes, placement.childDefault, out);
  out.push(`</${name}>`);
}

function writeNode(node: WireNode, prefixes: Prefixes, inScopeDefault: string, out: string[]): void {
  switch (node.kind) {
    case 'element': return writeElement(node, prefixes, inScopeDefault, out);
    case 'text': out.push(escapeText(node.text)); return;
    case 'comment': out.push(`<!--${node.text}-->`); return;
    case 'pi': out.push(node.data === '' ? `<?${node.target}?>` : `<?${node.target} ${node.data}?>`); return;
  }
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
