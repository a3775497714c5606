/** User name and password of an HTTP Basic `Authorization` header. */
export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** Base64 (RFC 4648 §4) with its padding, as RFC 7617 §2 token68 carries it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Control characters, which RFC 7617 §2 forbids in the user-id and the password. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Parses an `Authorization` header value: the credentials of a well-formed Basic header,
 * `undefined` when the header is absent, and `'malformed'` for any other scheme or a value that
 * does not decode. RFC 7617 §2: the scheme is case-insensitive, the user-id is everything before
 * the first colon, and `charset="UTF-8"` is what this server announces, so it decodes UTF-8.
 */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | undefined | 'malformed' {
  if (header === undefined) return undefined;
  const match = /^basic[ \t]+(\S+)[ \t]*$/i.exec(header.trim());
  const encoded = match?.[1];
  if (encoded === undefined || !BASE64.test(encoded)) return 'malformed';
  const text = decodeUtf8(atob(encoded));
  if (text === undefined) return 'malformed';
  const colon = text.indexOf(':');
  if (colon < 1) return 'malformed';
  const user = text.slice(0, colon);
  const password = text.slice(colon + 1);
  if (CONTROL.test(user) || CONTROL.test(password)) return 'malformed';
  return { user, password };
}

/** Decodes a binary string (one byte per char, as `atob` returns) as strict UTF-8. */
function decodeUtf8(binary: string): string | undefined {
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
