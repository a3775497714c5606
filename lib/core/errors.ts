import type { HeaderList, StatusWithBody } from './response.js';

/** Statuses an {@link HttpError} may carry: client errors, and 503 for a store that cannot write. */
export type ErrorStatus = Exclude<StatusWithBody, 200 | 201 | 500>;

/**
 * An error the client caused (or, for 503, a condition it may retry), turned into a response by
 * the core's one catch-all. Each constructor below carries what its status needs.
 */
export class HttpError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly detail: string,
    readonly headers: HeaderList = [],
  ) {
    super(detail);
    this.name = 'HttpError';
  }

  /** 400: the request is malformed; `detail` says how. */
  static badRequest(detail: string): HttpError {
    return new HttpError(400, detail);
  }

  /**
   * 401 with the Basic challenge RFC 9110 §15.5.2 requires; RFC 7617 §2.1: credentials are UTF-8.
   * `realm` is printable ASCII without `"` or `\` (the auth config checks it).
   */
  static unauthorized(realm: string, detail = 'this resource needs authentication'): HttpError {
    return new HttpError(401, detail, [['WWW-Authenticate', `Basic realm="${realm}", charset="UTF-8"`]]);
  }

  /** 403: the request is authenticated (or cannot be), and its user may not do this. */
  static forbidden(detail: string): HttpError {
    return new HttpError(403, detail);
  }

  /** 404: nothing lives at this URI. */
  static notFound(detail: string): HttpError {
    return new HttpError(404, detail);
  }

  /** 405 with the `Allow` header RFC 9110 §15.5.6 requires. */
  static methodNotAllowed(method: string, allow: readonly string[]): HttpError {
    return new HttpError(405, `${method} is not supported here; use ${allow.join(', ')}`, [['Allow', allow.join(', ')]]);
  }

  /** 413: the body is larger than `limit` bytes. */
  static contentTooLarge(limit: number): HttpError {
    return new HttpError(413, `the request body is larger than the limit of ${limit} bytes`);
  }

  /** 415: the body's media type cannot be published here. */
  static unsupportedMediaType(type: string): HttpError {
    return new HttpError(415, `cannot publish a body of type ${type}`);
  }
}

/** Returns true when `value` is an {@link HttpError}. */
export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError;
}
