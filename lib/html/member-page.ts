import type { Deps } from '../core/deps.js';
import type { CoreResponse } from '../core/response.js';
import { ENTRY_TYPE } from '../atompub/media-types.js';
import { findMemberRow } from '../atompub/members.js';
import type { Urls } from '../atompub/urls.js';
import type { FeedRecord } from '../storage/store.js';
import { readEntryFields } from '../xml/entry-fields.js';
import { html } from './escape.js';
import { renderContent } from './messages.js';
import { htmlResponse } from './page.js';

/** How far after a member's first position the page looks for its revisions. */
const REVISION_SCAN_ROWS = 1000;

/** A browser's GET of one member. */
export interface MemberPageRequest {
  readonly feed: FeedRecord;
  readonly key: string;
  readonly urls: Urls;
  readonly ifNoneMatch: string | undefined;
}

/**
 * The HTML view of a member: its newest revision, readable, and where its revisions sit in the
 * log. Revisions are found by reading the log from the member's first position, at most
 * {@link REVISION_SCAN_ROWS} rows; the newest revision is always named, even beyond that window.
 */
export async function renderMemberPage(request: MemberPageRequest, deps: Deps): Promise<CoreResponse> {
  const { feed, urls } = request;
  const newest = await findMemberRow(feed, request.key, deps);
  const fields = await readEntryFields(newest.xml);
  const window = await deps.store.readAfter(feed.id, newest.member - 1, REVISION_SCAN_ROWS);
  const positions = window.filter((row) => row.member === newest.member).map((row) => row.seq);
  if (!positions.includes(newest.seq)) positions.push(newest.seq);
  const memberUrl = urls.member(feed.name, newest.member);
  const main = html`<header>
<nav><a href="${urls.service()}">All feeds</a> › <a href="${urls.feed(feed.name)}">${feed.name}</a></nav>
<h1>${fields.title === '' ? '(untitled)' : fields.title}</h1>
<p class="summary">Entry ${newest.member} of ${feed.name} · updated <time datetime="${newest.updated}">${newest.updated}</time>${fields.authors.length > 0 ? ` · by ${fields.authors.join(', ')}` : ''} · <a href="${memberUrl}" type="${ENTRY_TYPE}">Atom entry</a></p>
</header>
<main>
<h2>Content</h2>
${await renderContent(feed, newest, fields, urls, deps)}
${fields.summary !== undefined && fields.content !== undefined ? html`<h2>Summary</h2><div class="content"><pre>${fields.summary}</pre></div>` : ''}
<h2>Revisions in the log</h2>
<ol class="revisions">${positions.map((seq, i) => html`<li><a href="${urls.feedPage(feed.name, { start_at: seq })}">#${seq}</a>${i === 0 ? ' first published' : seq === newest.seq ? ' newest revision' : ' revision'}</li>`)}</ol>
</main>`;
  return htmlResponse({ title: `${fields.title} · ${feed.name}`, base: urls.base, main, alternate: { href: memberUrl, type: ENTRY_TYPE } }, request.ifNoneMatch);
}
