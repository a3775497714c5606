/**
 * Where requests go, and the headers every one of them carries. fetch refuses URLs with
 * credentials in them, so `http://user:pass@host/feeds/x` becomes the bare URL plus an HTTP
 * Basic `Authorization` header (RFC 7617), which AtomMQ checks (README, "Authentication").
 */
export interface Target {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Splits a feed URL into the URL fetch accepts and the headers it implies; `extra` headers win. */
export function targetOf(feedUrl: string | URL, extra: Readonly<Record<string, string>> = {}): Target {
  const url = new URL(feedUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${url.protocol}`);
  const headers: Record<string, string> = {};
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers['Authorization'] = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.toString(), headers: { ...headers, ...extra } };
}

/** The feed URL with one query parameter set, keeping any others it already has. */
export function withQuery(url: string, name: string, value: string): string {
  const result = new URL(url);
  result.searchParams.set(name, value);
  return result.toString();
}
