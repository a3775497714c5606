/** XML namespaces AtomMQ reads and writes. */
export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  app: 'http://www.w3.org/2007/app',
  xhtml: 'http://www.w3.org/1999/xhtml',
  /** RFC 6721 tombstones. */
  tombstones: 'http://purl.org/atompub/tombstones/1.0',
  /** RFC 5005 feed history (archived feeds). */
  history: 'http://purl.org/syndication/history/1.0',
  /** AtomMQ consumer groups: delivery count, lease expiry and parking time of a claimed entry. */
  groups: 'tag:atommq.org,2026:groups',
  /** RFC 9457 problem details, XML form. */
  problem: 'urn:ietf:rfc:7807',
} as const;
