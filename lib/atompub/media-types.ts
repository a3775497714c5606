/** Media types of the documents AtomMQ serves (RFC 4287 §7, RFC 5023 §5). */
export const ENTRY_TYPE = 'application/atom+xml;type=entry';
export const FEED_TYPE = 'application/atom+xml;type=feed';
export const SERVICE_TYPE = 'application/atomsvc+xml';

/**
 * Returns true when a body of this Content-Type is read as an Atom entry document: Atom and XML
 * types, no type at all, and `application/x-www-form-urlencoded`, which is what `curl -d` sends
 * for the original AtomMQ's documented example.
 */
export function isEntryMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === '' || type === 'application/x-www-form-urlencoded' || type === 'application/xml' ||
    type === 'text/xml' || type === 'application/atom+xml';
}
