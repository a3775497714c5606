import type { Document } from 'libxmljs2';
import { checkMarkupCounts } from './markup-counts.js';

/**
 * Safe parsing of request bodies with libxmljs2 (libxml2 2.9.9). Entity substitution, DTD
 * loading and network access are all off, and any DOCTYPE is refused before libxml2 sees it: a
 * message never needs a DTD, and refusing them closes the door on XXE and entity expansion.
 */

/** The body is not an XML document AtomMQ accepts; the message says why, for a 400. */
export class InvalidDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDocumentError';
  }
}

type Libxml = typeof import('libxmljs2');
let libxml: Libxml | undefined;

/** Loads libxmljs2 on first use, so requests that only read never pay for it. */
async function loadLibxml(): Promise<Libxml> {
  libxml ??= (await import('libxmljs2')).default;
  return libxml;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Parses `bytes` as a UTF-8 XML document, refusing DTDs; throws {@link InvalidDocumentError}. */
export async function parseXmlDocument(bytes: Uint8Array): Promise<Document> {
  let text: string;
  try {
    text = UTF8.decode(bytes); // also drops a leading byte order mark
  } catch {
    throw new InvalidDocumentError('the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new InvalidDocumentError('the body is empty; send an Atom entry');
  // XML 1.0 §4.3.3: one byte order mark may start the entity. libxml2 would silently skip a
  // second one, which is a U+FEFF character where the prolog allows only white space.
  if (text.startsWith('\ufeff')) throw new InvalidDocumentError('the body is not well-formed XML: it starts with a second byte order mark');
  if (hasDoctype(text)) throw new InvalidDocumentError('documents with a DOCTYPE are refused');
  checkMarkupCounts(text);
  const { parseXml } = await loadLibxml();
  let doc: Document;
  try {
    doc = parseXml(text, { noent: false, dtdload: false, dtdvalid: false, nonet: true, huge: false, nocdata: false });
  } catch (error) {
    throw new InvalidDocumentError(`the body is not well-formed XML: ${syntaxMessage(error)}`);
  }
  if (doc.getDtd() !== null) throw new InvalidDocumentError('documents with a DOCTYPE are refused');
  // libxml2 reports namespace errors (XML_NS_ERR_*, codes 200–299: an undeclared prefix, an
  // attribute bound twice) but keeps parsing. A document that is well-formed but not
  // namespace-well-formed is refused: no namespace-aware consumer could read it back.
  const nsError = doc.errors.find((e) => typeof e.code === 'number' && e.code >= 200 && e.code < 300);
  if (nsError !== undefined) throw new InvalidDocumentError(`the body is not namespace-well-formed: ${(nsError.message ?? '').trim().slice(0, 200)}`);
  return doc;
}

/**
 * True when the prolog holds a DOCTYPE. XML 1.0 §2.8 allows one only there: after the XML
 * declaration, comments, processing instructions and white space, before the root element. The
 * scan stops at the first other markup, so `<!DOCTYPE` inside a CDATA section or a comment of
 * the entry's content is content, not a DTD. Whatever this scan misreads, libxml2 either refuses
 * as not well-formed or reports through `getDtd()`, which is checked after parsing too.
 */
function hasDoctype(text: string): boolean {
  let at = 0;
  for (;;) {
    while (at < text.length && ' \t\r\n'.includes(text.charAt(at))) at += 1;
    if (text.startsWith('<!DOCTYPE', at)) return true;
    const [open, close] = text.startsWith('<?', at) ? ['<?', '?>'] : text.startsWith('<!--', at) ? ['<!--', '-->'] : ['', ''];
    if (open === '') return false; // the root element, or something libxml2 refuses
    const end = text.indexOf(close, at + open.length);
    if (end < 0) return false; // never closed: libxml2 refuses it
    at = end + close.length;
  }
}

function syntaxMessage(error: unknown): string {
  if (!(error instanceof Error)) return 'unreadable';
  const line = (error as { line?: unknown }).line;
  const where = typeof line === 'number' && line > 0 ? ` (line ${line})` : '';
  return `${error.message.trim()}${where}`;
}
