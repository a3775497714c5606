/**
 * Finds the top-level `entry` elements of an Atom feed document without building a DOM, so that
 * a feed file of 100,000 entries costs its text in memory and no more. It knows just enough XML
 * (XML 1.0 §2.5–§2.8, §3.1): comments, CDATA sections, processing instructions, quoted attribute
 * values and nesting. It does not check well-formedness: the server parses every batch, and
 * refuses a bad one whole, naming the entry.
 */

/** A feed file, split. */
export interface ScannedFeed {
  /** The root start tag as written, with every namespace declaration, `xml:base` and `xml:lang`. */
  readonly rootStartTag: string;
  /** The root element's qualified name, for its end tag. */
  readonly rootName: string;
  /** Each top-level `entry` element, as written. */
  readonly entries: readonly string[];
}

/** The file is not a feed document this scanner can split. */
export class FeedScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedScanError';
  }
}

const NAME = /^[^\s/>]+/;

/** Splits a feed document's text into its root start tag and its top-level entries. */
export function scanFeed(text: string): ScannedFeed {
  let at = skipProlog(text, 0);
  const root = readStartTag(text, at);
  if (localName(root.name) !== 'feed') throw new FeedScanError(`the root element is <${root.name}>, not an Atom <feed>`);
  const entries: string[] = [];
  if (root.isEmpty) return { rootStartTag: text.slice(at, root.end), rootName: root.name, entries };
  const rootStartTag = text.slice(at, root.end);
  at = root.end;
  for (;;) {
    const open = text.indexOf('<', at);
    if (open < 0) throw new FeedScanError(`the <${root.name}> element is never closed`);
    const skipped = skipMarkup(text, open);
    if (skipped !== undefined) {
      at = skipped;
      continue;
    }
    if (text.startsWith('</', open)) return { rootStartTag, rootName: root.name, entries };
    const end = elementEnd(text, open);
    if (localName(readStartTag(text, open).name) === 'entry') entries.push(text.slice(open, end));
    at = end;
  }
}

/** Skips white space, the XML declaration, processing instructions and comments before the root. */
function skipProlog(text: string, from: number): number {
  let at = from;
  for (;;) {
    while (at < text.length && ' \t\r\n\ufeff'.includes(text.charAt(at))) at += 1;
    if (text.startsWith('<!DOCTYPE', at)) throw new FeedScanError('documents with a DOCTYPE are refused');
    const skipped = text.startsWith('<?', at) || text.startsWith('<!--', at) ? skipMarkup(text, at) : undefined;
    if (skipped === undefined) return at;
    at = skipped;
  }
}

/** Skips a comment, CDATA section or processing instruction at `at`; undefined for anything else. */
function skipMarkup(text: string, at: number): number | undefined {
  const close = text.startsWith('<!--', at) ? '-->' : text.startsWith('<![CDATA[', at) ? ']]>' : text.startsWith('<?', at) ? '?>' : undefined;
  if (close === undefined) return undefined;
  const end = text.indexOf(close, at + 2);
  if (end < 0) throw new FeedScanError(`markup at character ${at} is never closed`);
  return end + close.length;
}

/** Reads the start tag at `at`: its name, where it ends, and whether it is an empty-element tag. */
function readStartTag(text: string, at: number): { name: string; end: number; isEmpty: boolean } {
  const name = NAME.exec(text.slice(at + 1, at + 1 + 512))?.[0];
  if (text.charAt(at) !== '<' || name === undefined) throw new FeedScanError(`expected a start tag at character ${at}`);
  let quote = '';
  for (let i = at + 1 + name.length; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return { name, end: i + 1, isEmpty: text.charAt(i - 1) === '/' };
    }
  }
  throw new FeedScanError(`the start tag <${name}> at character ${at} is never closed`);
}

/** Where the element starting at `at` ends, past its end tag. */
function elementEnd(text: string, at: number): number {
  const first = readStartTag(text, at);
  if (first.isEmpty) return first.end;
  let depth = 1;
  let i = first.end;
  while (depth > 0) {
    const open = text.indexOf('<', i);
    if (open < 0) throw new FeedScanError(`the <${first.name}> element at character ${at} is never closed`);
    const skipped = skipMarkup(text, open);
    if (skipped !== undefined) {
      i = skipped;
    } else if (text.startsWith('</', open)) {
      const close = text.indexOf('>', open);
      if (close < 0) throw new FeedScanError(`an end tag at character ${open} is never closed`);
      depth -= 1;
      i = close + 1;
    } else {
      const tag = readStartTag(text, open);
      if (!tag.isEmpty) depth += 1;
      i = tag.end;
    }
  }
  return i;
}

function localName(qualified: string): string {
  return qualified.slice(qualified.indexOf(':') + 1);
}
