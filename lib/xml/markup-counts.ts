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
  /** Element nesting depth. */
  depth: 100,
} as const;

const DECLARATION = /(?:^|[\s])xmlns(?::[^\s=]*)?\s*=/g;

/** Throws {@link InvalidDocumentError} when `text` exceeds one of {@link MARKUP_LIMITS}. */
export function checkMarkupCounts(text: string): void {
  let depth = 0;
  let declarations = 0;
  let at = text.indexOf('<');
  while (at >= 0 && at < text.length) {
    const end = skipMarkup(text, at);
    if (end === undefined) {
      const tag = startTag(text, at);
      if (tag === undefined) return; // never closed: libxml2 refuses it
      const attributes = tag.outsideQuotes.split('=').length - 1;
      const declared = tag.outsideQuotes.match(DECLARATION)?.length ?? 0;
      declarations += declared;
      if (!tag.isEmpty) depth += 1;
      if (attributes > MARKUP_LIMITS.attributesPerElement) refuse(`an element has ${attributes} attributes; the limit is ${MARKUP_LIMITS.attributesPerElement}`);
      if (declared > MARKUP_LIMITS.declarationsPerElement) refuse(`an element declares ${declared} namespaces; the limit is ${MARKUP_LIMITS.declarationsPerElement}`);
      if (declarations > MARKUP_LIMITS.declarationsPerDocument) refuse(`the document declares more than ${MARKUP_LIMITS.declarationsPerDocument} namespaces`);
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
  for (const [open, close] of [['<!--', '-->'], ['<![CDATA[', ']]>'], ['<?', '?>'], ['</', '>'], ['<!', '>']] as const) {
    if (text.startsWith(open, at)) {
      const end = text.indexOf(close, at + open.length);
      return end < 0 ? -1 : end + close.length;
    }
  }
  return undefined;
}

/** The start tag at `at`: its text outside quoted values, whether it is empty (`/>`), and its end. */
function startTag(text: string, at: number): { outsideQuotes: string; isEmpty: boolean; end: number } | undefined {
  let outside = '';
  let i = at + 1;
  while (i < text.length) {
    const char = text.charAt(i);
    if (char === '"' || char === "'") {
      const close = text.indexOf(char, i + 1);
      if (close < 0) return undefined;
      outside += ' ';
      i = close + 1;
    } else if (char === '>') {
      return { outsideQuotes: outside, isEmpty: outside.endsWith('/'), end: i + 1 };
    } else {
      outside += char;
      i += 1;
    }
  }
  return undefined;
}
