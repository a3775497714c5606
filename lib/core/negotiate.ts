/**
 * Content negotiation (RFC 9110 §12.5.1) between the representations of a feed, a member or
 * the service document: Atom (the default), an HTML page for browsers, and Server-Sent Events.
 *
 * The rule keeps every feed reader on Atom: HTML only when, after wildcard matching, `text/html`
 * has a strictly higher q-value than `application/atom+xml`; a tie (`*∕*`, no Accept) is Atom.
 * Real Accept strings this was checked against (test/core/negotiate.test.ts holds them):
 * - Chromium and Firefox navigations list `text/html` at q=1 and `*∕*` at q=0.8: HTML.
 * - curl sends `*∕*`; newsboat sets no Accept, so libcurl sends `*∕*`: Atom (a tie).
 * - feedparser (feedparser/http.py ACCEPT_HEADER) lists `application/atom+xml` first: Atom.
 * - XML::Atom::Client (XML/Atom/Client.pm) and Atompub::Client (munge_request) list the Atom
 *   types and `*∕*`: Atom.
 * - Ape sets no Accept of its own; Ruby's Net::HTTP then sends `*∕*`: Atom.
 */

/** The representations AtomMQ can answer with. */
export type Representation = 'atom' | 'html' | 'event-stream';

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** Parses an Accept field into media ranges; malformed members are skipped. */
export function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const member of accept.split(',').slice(0, 64)) {
    const [range = '', ...params] = member.split(';');
    const match = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*$/.exec(range);
    if (match === null) continue;
    let q = 1;
    for (const param of params) {
      const qMatch = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (qMatch !== null) q = Math.min(1, Number(qMatch[1]));
    }
    ranges.push({ type: (match[1] ?? '').toLowerCase(), subtype: (match[2] ?? '').toLowerCase(), q });
  }
  return ranges;
}

/**
 * The q-value `ranges` give a media type: that of the most specific range that matches it
 * (`type/subtype` over `type/*` over `*∕*`), 0 when none does. `explicitOnly` ignores wildcards.
 */
export function qualityOf(ranges: readonly MediaRange[], mediaType: string, explicitOnly = false): number {
  const [type, subtype] = mediaType.split('/');
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    const specificity = range.type === type && range.subtype === subtype ? 2
      : explicitOnly ? -1
      : range.type === type && range.subtype === '*' ? 1
      : range.type === '*' && range.subtype === '*' ? 0 : -1;
    if (specificity > best || (specificity === best && range.q > q)) {
      if (specificity < 0) continue;
      best = specificity;
      q = range.q;
    }
  }
  return q;
}

/**
 * Chooses the representation for an `Accept` value. `canStream` says whether the resource has an
 * event stream (feeds do). Server-Sent Events are chosen only when `text/event-stream` is named
 * explicitly with a q-value no lower than the others', as EventSource does.
 */
export function negotiate(accept: string | undefined, canStream: boolean): Representation {
  if (accept === undefined || accept.trim() === '') return 'atom';
  const ranges = parseAccept(accept);
  const atom = qualityOf(ranges, 'application/atom+xml');
  const html = qualityOf(ranges, 'text/html');
  const events = canStream ? qualityOf(ranges, 'text/event-stream', true) : 0;
  if (events > 0 && events >= atom && events >= html) return 'event-stream';
  return html > atom ? 'html' : 'atom';
}
