import type { CoreResponse, HeaderList } from '../core/response.js';
import { textResponse } from '../core/response.js';
import { parseEtagList } from '../atompub/etag.js';
import type { SafeHtml } from './escape.js';
import { html } from './escape.js';

/**
 * The shell of every HTML page and the headers that keep it inert. The Content-Security-Policy
 * allows only this server's own script and style sheet (served under `{base}/assets/`): no
 * inline script, no inline style, no plug-ins, no framing, so a publisher's markup that slipped
 * through would still not run.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** What a page holds. */
export interface PageView {
  readonly title: string;
  /** The script's own URL (`Urls.base`), under which the assets live. */
  readonly base: string;
  readonly main: SafeHtml;
  /** The Atom alternate of this page, linked for feed readers and autodiscovery. */
  readonly alternate?: { readonly href: string; readonly type: string } | undefined;
}

/**
 * Answers with an HTML page. Its ETag is weak (RFC 9110 §8.8.1: the same content, not the same
 * bytes promised) and is a hash of the page, so it never reads as a feed cursor; an
 * `If-None-Match` that holds it is a 304.
 */
export function htmlResponse(page: PageView, ifNoneMatch: string | undefined, extra: HeaderList = []): CoreResponse {
  const text = `<!DOCTYPE html>\n${renderShell(page).markup}\n`;
  const tag = `html-${hashText(text)}`;
  const headers: HeaderList = [
    ['ETag', `W/"${tag}"`],
    ['Cache-Control', 'no-cache'],
    ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'same-origin'],
    ...extra,
  ];
  if (ifNoneMatch !== undefined && parseEtagList(ifNoneMatch).includes(tag)) return { status: 304, headers };
  return textResponse(200, 'text/html; charset=utf-8', text, headers);
}

function renderShell(page: PageView): SafeHtml {
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<link rel="stylesheet" href="${page.base}/assets/atommq.css">
${page.alternate && html`<link rel="alternate" type="${page.alternate.type}" href="${page.alternate.href}">`}
<script src="${page.base}/assets/atommq.js" defer></script>
</head>
<body>
${page.main}
</body>
</html>`;
}

/** FNV-1a over UTF-16 code units, 2×32 bits: enough to tell page versions apart. */
export function hashText(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
