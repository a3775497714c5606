import type { Deps } from '../core/deps.js';
import type { EntryRecord, FeedRecord } from '../storage/store.js';
import { readEntryFields } from '../xml/entry-fields.js';
import type { Urls } from '../atompub/urls.js';
import type { SafeHtml } from './escape.js';
import { html, safeHref } from './escape.js';

/** The largest JSON media resource shown pretty-printed; larger ones are linked. */
const MAX_PRETTY_JSON_BYTES = 64 * 1024;

/** Returns true for JSON media types (`application/json`, `application/*+json`). */
export function isJsonType(type: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(type);
}

/**
 * Renders log rows as the list items of a feed page, oldest first (newest at the bottom), in the
 * same structure the page script builds for live messages.
 */
export async function renderMessages(feed: FeedRecord, rows: readonly EntryRecord[], urls: Urls, deps: Deps): Promise<SafeHtml[]> {
  return Promise.all(rows.map((row) => renderMessage(feed, row, urls, deps)));
}

async function renderMessage(feed: FeedRecord, row: EntryRecord, urls: Urls, deps: Deps): Promise<SafeHtml> {
  if (row.kind === 'tombstone') {
    return html`<li class="message deleted" id="m-${row.seq}"><p class="meta"><span class="seq">#${row.seq}</span> deleted <a href="${urls.member(feed.name, row.member)}">entry ${row.member}</a> at <time datetime="${row.updated}">${row.updated}</time></p></li>`;
  }
  const fields = await readEntryFields(row.xml);
  return html`<li class="message" id="m-${row.seq}"><article>
<h3 class="title"><a href="${urls.member(feed.name, row.member)}">${fields.title === '' ? '(untitled)' : fields.title}</a></h3>
<p class="meta"><span class="seq">#${row.seq}</span><time datetime="${row.updated}">${row.updated}</time>${row.seq !== row.member ? html`<span>revision of entry ${row.member}</span>` : ''}</p>
${await renderContent(feed, row, fields, urls, deps)}
</article></li>`;
}

/** The content: text shown as text, JSON media pretty-printed, other media and `src` linked. */
export async function renderContent(feed: FeedRecord, row: EntryRecord, fields: Awaited<ReturnType<typeof readEntryFields>>, urls: Urls, deps: Deps): Promise<SafeHtml> {
  if (row.mediaType !== undefined) {
    const href = urls.mediaRevision(feed.name, row.member, row.mediaSeq ?? row.member);
    const link = html`<a href="${href}">media resource (${row.mediaType})</a>`;
    if (!isJsonType(row.mediaType)) return html`<div class="content">${link}</div>`;
    // The bytes of this row's revision (an edit-media PUT brings new ones; issue 10).
    const media = await deps.store.readMedia(feed.id, row.mediaSeq ?? row.member);
    const pretty = media === undefined || media.bytes.byteLength > MAX_PRETTY_JSON_BYTES ? undefined : prettyJson(media.bytes);
    return pretty === undefined ? html`<div class="content">${link}</div>` : html`<div class="content"><pre class="json">${pretty}</pre></div>`;
  }
  if (fields.contentSrc !== undefined) {
    const href = safeHref(fields.contentSrc);
    return html`<div class="content">${href === undefined ? `content at ${fields.contentSrc}` : html`<a href="${href}" rel="noreferrer nofollow">content (${fields.contentType})</a>`}</div>`;
  }
  // An empty content is what the server stores for an entry posted without one: show the summary.
  const text = fields.content !== undefined && fields.content !== '' ? fields.content : fields.summary;
  return text === undefined ? html`` : html`<div class="content"><pre>${text}</pre></div>`;
}

function prettyJson(bytes: Uint8Array): string | undefined {
  try {
    return JSON.stringify(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)), null, 2);
  } catch {
    return undefined;
  }
}
