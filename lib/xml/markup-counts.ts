import { InvalidDocumentError } from './parse.js';

/**
 * Count limits checked on the raw text before libxml2 parses it, in one linear pass. libxml2
 * checks attribute uniqueness by comparing every pair in a start tag, and every namespace
 * declaration is work for each element beneath it, so a 1 MiB body of thousands of attributes
 * or declarations costs seconds of the event loop. No Atom message needs anywhere near these
 * counts; a body that exceeds one is refused with a 400 before any expensive work.
 */
export const MARKUP_LIMITS = {
  /** Attributes on one start tag, namespace declarations included. */
  attributesPerElement: 64,
  /** Namespace declarations on one start tag. */
  declarationsPerElement: 32,
  /** Namespace declarations in the whole document (a batch of 1000 entries may declare on each). */
  declarationsPerDocument: 4096,
  /** Attributes in the whole document: libxml2 and the infoset reader spend a few µs on each. */
  attributesPerDocument: 16_384,
  /** Elements in the whole document: libxml2 parses ~200,000 empty elements (800 KiB) in 30–130 ms. */
  elementsPerDocument: 32_768,
  /** Element nesting depth. */
  depth: 100,
} as const;

/** Throws {@link InvalidDocumentError} when `text` exceeds one of {@link MARKUP_LIMITS}. */
export function checkMarkupCounts(text: string): void {
  let depth = 0;
  let declarations = 0;
  let attributes = 0;
  let elements = 0;
  let at = text.indexOf('<');
  while (at >= 0 && at < text.length) {
    const end = skipMarkup(text, at);
    if (end === undefined) {
      const tag = scanStartTag(text, at);
      if (tag === undefined) return; // never closed: libxml2 refuses it
      declarations += tag.declarations;
      attributes += tag.attributes;
      elements += 1;
      if (!tag.isEmpty) depth += 1;
      if (elements > MARKUP_LIMITS.elementsPerDocument) refuse(`the document holds more than ${MARKUP_LIMITS.elementsPerDocument} elements`);
      if (declarations > MARKUP_LIMITS.declarationsPerDocument) refuse(`the document declares more than ${MARKUP_LIMITS.declarationsPerDocument} namespaces`);
      if (attributes > MARKUP_LIMITS.attributesPerDocument) refuse(`the document holds more than ${MARKUP_LIMITS.attributesPerDocument} attributes`);
      if (depth > MARKUP_LIMITS.depth) refuse(`elements nest deeper than ${MARKUP_LIMITS.depth} levels`);
      at = text.indexOf('<', tag.end);
    } else {
      if (text.startsWith('</', at)) depth -= 1;
      at = end < 0 ? -1 : text.indexOf('<', end);
    }
  }
}

function refuse(reason: string): never {
  throw new InvalidDocumentError(`${reason}, so the document is refused before parsing`);
}

/** For markup that is not a start tag, the index after it (-1 when unclosed); undefined for a start tag. */
function skipMarkup(text: string, at: number): number | undefined {
  const next = text.charCodeAt(at + 1);
  if (next !== 0x21 && next !== 0x3f && next !== 0x2f) return undefined; // not `<!`, `<?` or `</`: a start tag
  for (const [open, close] of [['<!--', '-->'], ['<![CDATA[', ']]>'], ['<?', '?>'], ['</', '>'], ['<!', '>']] as const) {
    if (text.startsWith(open, at)) {
      const end = text.indexOf(close, at + open.length);
      return end < 0 ? -1 : end + close.length;
    }
  }
  return undefined;
}

function isWhiteSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/**
 * Scans the start tag at `at`, counting its attributes (each `=` outside a quoted value) and
 * which of them are namespace declarations; refuses as soon as a per-element limit is passed,
 * so a giant start tag costs no more than its first few dozen attributes.
 */
function scanStartTag(text: string, at: number): { attributes: number; declarations: number; isEmpty: boolean; end: number } | undefined {
  let attributes = 0;
  let declarations = 0;
  let nameStart = at + 1;
  let last = 0;
  for (let i = at + 1; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x27) {
      const close = text.indexOf(code === 0x22 ? '"' : "'", i + 1);
      if (close < 0) return undefined;
      i = close;
      nameStart = close + 1;
      last = code;
    } else if (code === 0x3d) {
      attributes += 1;
      const name = text.slice(nameStart, i).trim();
      if (name === 'xmlns' || name.startsWith('xmlns:')) declarations += 1;
      if (attributes > MARKUP_LIMITS.attributesPerElement) refuse(`an element has more than ${MARKUP_LIMITS.attributesPerElement} attributes`);
      if (declarations > MARKUP_LIMITS.declarationsPerElement) refuse(`an element declares more than ${MARKUP_LIMITS.declarationsPerElement} namespaces`);
    } else if (code === 0x3e) {
      return { attributes, declarations, isEmpty: last === 0x2f, end: i + 1 };
    } else if (isWhiteSpace(code)) {
      nameStart = i + 1;
    }
    if (!isWhiteSpace(code) && code !== 0x22 && code !== 0x27) last = code;
  }
  return undefined;
}
