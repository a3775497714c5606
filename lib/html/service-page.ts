import type { Deps } from '../core/deps.js';
import type { CoreResponse } from '../core/response.js';
import { SERVICE_TYPE } from '../atompub/media-types.js';
import type { Urls } from '../atompub/urls.js';
import type { FeedRecord } from '../storage/store.js';
import { html } from './escape.js';
import { htmlResponse } from './page.js';

/**
 * The HTML view of the service document: each feed the user may read, with its message count,
 * the time of its newest message and a link. The count is the number of log rows retained,
 * `lastSeq − prunedThrough`, read from the feed record at no extra query; it counts revisions
 * and tombstones as messages, since each is one in the log.
 */
export function renderServicePage(feeds: readonly FeedRecord[], urls: Urls, deps: Deps, ifNoneMatch: string | undefined): CoreResponse {
  const rows = feeds.map((feed) => html`<tr>
<th scope="row"><a href="${urls.feed(feed.name)}">${feed.name}</a></th>
<td class="num">${feed.lastSeq - feed.prunedThrough}</td>
<td class="when">${feed.lastSeq === 0 ? 'no messages yet' : html`<time datetime="${feed.updated}">${feed.updated}</time>`}</td>
</tr>`);
  const main = html`<header>
<h1>${deps.config.title}</h1>
<p class="summary">${feeds.length} ${feeds.length === 1 ? 'feed' : 'feeds'} · <a href="${urls.service()}" type="${SERVICE_TYPE}">AtomPub service document</a></p>
</header>
<main>
<h2>Feeds</h2>
${feeds.length === 0
    ? html`<p>No feeds yet. The first message POSTed to <code>${urls.feed('NAME')}</code> creates one.</p>`
    : html`<table><caption class="summary">Messages are log rows kept; the newest time is that of the latest message.</caption>
<thead><tr><th scope="col">Feed</th><th scope="col" class="num">Messages</th><th scope="col" class="when">Newest message</th></tr></thead>
<tbody>${rows}</tbody></table>`}
</main>`;
  return htmlResponse({ title: deps.config.title, base: urls.base, main, alternate: { href: urls.service(), type: SERVICE_TYPE } }, ifNoneMatch);
}
