import { HttpError } from '../core/errors.js';

/**
 * RFC 9110 §8.3.1 media types, parsed and written back in one normal form, so that what AtomMQ
 * stores (and later sends in `Content-Type` and writes in `content/@type`) is the same bytes
 * whichever front end carried the request, and can always be sent back in a header.
 *
 *   media-type = type "/" subtype parameters
 *   parameters = *( OWS ";" OWS [ parameter ] )
 *   parameter  = parameter-name "=" parameter-value
 *   parameter-value = ( token / quoted-string )
 *
 * The normal form: type, subtype and parameter names in lower case (they are case-insensitive),
 * `;` between parameters with no white space, a value as a token when it is one and otherwise
 * as a quoted-string that escapes only `"` and `\`. obs-text (octets 0x80–0xFF) is refused:
 * front ends decode those octets differently (Latin-1, UTF-8, or not at all), so no stored
 * form of them would be the same through HTTP, FastCGI and CGI.
 */

/** A parsed media type. */
export interface MediaType {
  /** `type/subtype`, lower case. */
  readonly essence: string;
  readonly parameters: ReadonlyArray<readonly [string, string]>;
  /** The normal form, safe in a header and in an XML attribute. */
  readonly normalized: string;
}

/** The longest Content-Type AtomMQ stores. */
export const MAX_MEDIA_TYPE_LENGTH = 255;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const OWS = /[ \t]*/y;

/** Parses a Content-Type value; throws a 400 {@link HttpError} that says what is wrong. */
export function parseMediaType(value: string): MediaType {
  const fail = (why: string): never => {
    throw HttpError.badRequest(`the Content-Type is not an RFC 9110 media type: ${why}`);
  };
  if (/[^\t\x20-\x7e]/.test(value)) fail('it holds a control character or a non-ASCII character, which a header cannot carry the same way through every server');
  const text = value.trim();
  if (text.length > MAX_MEDIA_TYPE_LENGTH) fail(`it is longer than ${MAX_MEDIA_TYPE_LENGTH} characters`);
  const slash = text.indexOf('/');
  const semicolon = text.indexOf(';');
  const end = semicolon < 0 ? text.length : semicolon;
  const type = text.slice(0, slash < 0 ? 0 : slash);
  const subtype = text.slice(slash + 1, end).replace(/[ \t]+$/, '');
  if (slash < 0 || slash > end || !TOKEN.test(type) || !TOKEN.test(subtype)) fail('it must start with type/subtype');
  const parameters: Array<readonly [string, string]> = [];
  let at = end;
  while (at < text.length) {
    at += 1; // the ';'
    at = skipOws(text, at);
    if (at >= text.length || text.charAt(at) === ';') continue; // an empty parameter is allowed
    const equals = text.indexOf('=', at);
    if (equals < 0) fail('a parameter has no "="');
    const name = text.slice(at, equals);
    if (!TOKEN.test(name)) fail('a parameter name is not a token');
    let valueEnd: number;
    let parameterValue: string;
    if (text.charAt(equals + 1) === '"') {
      const quoted = readQuoted(text, equals + 1);
      if (quoted === undefined) fail('a quoted parameter value is not closed');
      parameterValue = quoted?.value ?? '';
      valueEnd = quoted?.end ?? text.length;
    } else {
      const stop = text.indexOf(';', equals + 1);
      valueEnd = stop < 0 ? text.length : stop;
      parameterValue = text.slice(equals + 1, valueEnd).replace(/[ \t]+$/, '');
      if (!TOKEN.test(parameterValue)) fail(`the value of parameter ${name} is neither a token nor a quoted-string`);
    }
    parameters.push([name.toLowerCase(), parameterValue]);
    at = skipOws(text, valueEnd);
    if (at < text.length && text.charAt(at) !== ';') fail('parameters must be separated by ";"');
  }
  const essence = `${type}/${subtype}`.toLowerCase();
  const normalized = essence + parameters.map(([n, v]) => `;${n}=${TOKEN.test(v) ? v : `"${v.replace(/(["\\])/g, '\\$1')}"`}`).join('');
  if (normalized.length > MAX_MEDIA_TYPE_LENGTH) fail(`its normal form is longer than ${MAX_MEDIA_TYPE_LENGTH} characters`);
  return { essence, parameters, normalized };
}

function skipOws(text: string, at: number): number {
  OWS.lastIndex = at;
  OWS.exec(text);
  return OWS.lastIndex;
}

/** Reads a quoted-string starting at the `"` at `at`: its unescaped value and the index after it. */
function readQuoted(text: string, at: number): { value: string; end: number } | undefined {
  let value = '';
  for (let i = at + 1; i < text.length; i += 1) {
    const char = text.charAt(i);
    if (char === '"') return { value, end: i + 1 };
    if (char === '\\') {
      i += 1;
      if (i >= text.length) return undefined;
      value += text.charAt(i);
    } else {
      value += char;
    }
  }
  return undefined;
}
