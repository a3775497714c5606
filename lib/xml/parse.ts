import type { Document } from 'libxmljs2';

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
  if (text.includes('<!DOCTYPE')) throw new InvalidDocumentError('documents with a DOCTYPE are refused');
  const { parseXml } = await loadLibxml();
  let doc: Document;
  try {
    doc = parseXml(text, { noent: false, dtdload: false, dtdvalid: false, nonet: true, huge: false, nocdata: false });
  } catch (error) {
    throw new InvalidDocumentError(`the body is not well-formed XML: ${syntaxMessage(error)}`);
  }
  if (doc.getDtd() !== null) throw new InvalidDocumentError('documents with a DOCTYPE are refused');
  return doc;
}

function syntaxMessage(error: unknown): string {
  if (!(error instanceof Error)) return 'unreadable';
  const line = (error as { line?: unknown }).line;
  const where = typeof line === 'number' && line > 0 ? ` (line ${line})` : '';
  return `${error.message.trim()}${where}`;
}
