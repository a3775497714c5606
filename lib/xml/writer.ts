/**
 * The one place AtomMQ writes XML markup. Every document is built from {@link element} calls, so
 * escaping happens here and nowhere else. Stored entries, already serialized by libxml2, are
 * spliced in as {@link Markup} without re-parsing: that keeps a 1000-entry page a string join.
 */

/** Serialized XML that is already well-formed and must not be escaped again. */
export interface Markup {
  readonly markup: string;
}

/** A child of an element: text (escaped), markup (spliced as is), or nothing. */
export type Child = string | Markup | undefined | false;

/** Marks a string of well-formed XML as safe to splice. */
export function raw(markup: string): Markup {
  return { markup };
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ATTR_ESCAPES: Readonly<Record<string, string>> = { ...TEXT_ESCAPES, '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' };

/**
 * XML 1.0 §2.2 Char. Text the server writes that holds anything else (a client's Host or path
 * quoted in a problem detail, say) would make the whole document unreadable, and no escape can
 * carry such a character, so it becomes U+FFFD. Stored text never gets here with one: the
 * accept path refuses it.
 */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes character data. */
export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => TEXT_ESCAPES[c] ?? c).replace(NOT_XML_CHAR, '\ufffd');
}

/** Escapes an attribute value for use inside double quotes. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"\n\r\t]/g, (c) => ATTR_ESCAPES[c] ?? c).replace(NOT_XML_CHAR, '\ufffd');
}

/** Renders one element; attributes whose value is undefined are left out. */
export function element(name: string, attributes: Readonly<Record<string, string | undefined>>, ...children: Child[]): Markup {
  let open = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) open += ` ${key}="${escapeAttribute(value)}"`;
  }
  const inner = children.map((c) => (c === undefined || c === false ? '' : typeof c === 'string' ? escapeText(c) : c.markup)).join('');
  return raw(inner === '' ? `${open}/>` : `${open}>${inner}</${name}>`);
}

/** Renders a whole document: the XML declaration, then the root element. */
export function xmlDocument(root: Markup): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${root.markup}\n`;
}
