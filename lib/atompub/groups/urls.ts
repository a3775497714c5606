import type { Urls } from '../urls.js';

/**
 * The link relation (RFC 4287 §4.2.7.2: an IRI) by which a feed page points at its consumer
 * groups, `{feed}/groups`.
 */
export const GROUPS_REL = 'tag:atommq.org,2026:groups';

/** The URIs of a feed's consumer groups, under `{feed}/groups`. */
export class GroupUrls {
  constructor(private readonly urls: Urls, private readonly feedName: string) {}

  /** `{feed}/groups`: the feed's groups with their figures. */
  list(): string {
    // In single-feed mode on a bare host the feed URI ends in "/"; never write "//groups".
    return `${this.urls.feed(this.feedName).replace(/\/$/, '')}/groups`;
  }

  /** `{feed}/groups/{group}`: create, status, delete. */
  group(name: string): string {
    return `${this.list()}/${encodeURIComponent(name)}`;
  }

  /** Where a worker claims entries. */
  claims(name: string): string {
    return `${this.group(name)}/claims`;
  }

  /** An entry's ack link; without a lease id, the batch ack URI. */
  ack(name: string, lease?: string): string {
    return lease === undefined ? `${this.group(name)}/ack` : `${this.group(name)}/ack/${lease}`;
  }

  /** An entry's nack link. */
  nack(name: string, lease: string): string {
    return `${this.group(name)}/nack/${lease}`;
  }

  /** The parked entries; with `after`, the page after that seq. */
  parked(name: string, after?: number): string {
    return after === undefined ? `${this.group(name)}/parked` : `${this.group(name)}/parked?after=${after}`;
  }

  /** Replays the parked entries. */
  replay(name: string): string {
    return `${this.group(name)}/parked/replay`;
  }
}
