/**
 * Every URI the server writes, built from the script's own absolute URL (`base`). In
 * single-feed mode the script is the feed; in multi-feed mode feeds live under `/feeds/`, as in
 * AtomBus 1.0405.
 */
export class Urls {
  constructor(readonly base: string, private readonly singleFeed: string | undefined) {}

  /** The feed (collection) URI. */
  feed(name: string): string {
    if (this.singleFeed !== undefined) return this.root();
    return `${this.base}/feeds/${encodeURIComponent(name)}`;
  }

  /** A member URI; `key` is the member's first sequence number. */
  member(feedName: string, key: number): string {
    return this.singleFeed !== undefined ? `${this.base}/entries/${key}` : `${this.feed(feedName)}/entries/${key}`;
  }

  /** The URI of a member's media resource (RFC 5023 §9.6). */
  media(feedName: string, key: number): string {
    return this.singleFeed !== undefined ? `${this.base}/media/${key}` : `${this.feed(feedName)}/media/${key}`;
  }

  /** The immutable URI of one revision's media bytes: the `content/@src` of that revision. */
  mediaRevision(feedName: string, key: number, seq: number): string {
    return `${this.media(feedName, key)}?revision=${seq}`;
  }

  /** The URI of archive window `k` (RFC 5005). */
  archive(feedName: string, k: number): string {
    return this.singleFeed !== undefined ? `${this.base}/archive/${k}` : `${this.feed(feedName)}/archive/${k}`;
  }

  /** The RFC 5005 subscription document ("current") of a feed. */
  current(feedName: string): string {
    return this.feedPage(feedName, { view: 'current' });
  }

  /** The service document URI. */
  service(): string {
    return this.singleFeed !== undefined ? `${this.base}/service` : this.root();
  }

  /** The feed URI with a query, for self and next links. */
  feedPage(name: string, query: Readonly<Record<string, string | number | undefined>>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const text = params.toString();
    return text === '' ? this.feed(name) : `${this.feed(name)}?${text}`;
  }

  private root(): string {
    return /^[a-z]+:\/\/[^/]*$/i.test(this.base) ? `${this.base}/` : this.base;
  }
}
