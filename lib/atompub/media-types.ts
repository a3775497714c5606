import { parseMediaType } from './content-type.js';

/** Media types of the documents AtomMQ serves (RFC 4287 §7, RFC 5023 §5). */
export const ENTRY_TYPE = 'application/atom+xml;type=entry';
export const FEED_TYPE = 'application/atom+xml;type=feed';
export const SERVICE_TYPE = 'application/atomsvc+xml';

/**
 * Returns true when a body of this Content-Type is read as an Atom entry document: Atom and XML
 * types, no type at all, and `application/x-www-form-urlencoded`, which is what `curl -d` sends
 * for the original AtomMQ's documented example. A Content-Type that is not an RFC 9110 media
 * type is a 400.
 */
export function isEntryMediaType(contentType: string | undefined): boolean {
  const type = contentType === undefined || contentType.trim() === '' ? '' : parseMediaType(contentType).essence;
  return type === '' || type === 'application/x-www-form-urlencoded' || type === 'application/xml' ||
    type === 'text/xml' || type === 'application/atom+xml';
}
