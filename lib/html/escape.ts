/**
 * HTML that is safe to insert: every interpolated value is escaped unless it is already
 * {@link SafeHtml}. Publishers' titles and content reach pages only through here, as text, so
 * their markup, scripts, event attributes and styles never become live (OWASP XSS rule #1).
 */

/** Markup built by {@link html}; never constructed from untrusted text. */
export class SafeHtml {
  constructor(readonly markup: string) {}
}

/** A value that may be interpolated into {@link html}. */
export type HtmlValue = SafeHtml | string | number | undefined | false | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A tagged template that escapes every interpolation: html`<p>${untrusted}</p>`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(markup);
}

function render(value: HtmlValue): string {
  if (value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.markup;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(render).join('');
}

/** An href for a link a publisher supplied: only http(s) URLs; anything else (`javascript:`) is dropped. */
export function safeHref(href: string | undefined): string | undefined {
  return href !== undefined && /^https?:\/\//i.test(href.trim()) ? href.trim() : undefined;
}
