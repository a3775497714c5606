/**
 * The response the core returns and every adapter writes out unchanged.
 *
 * Headers are a list of pairs because a header may legally repeat. 204 and 304 carry no body
 * and no Content-Type (RFC 9110 §15.3.5, §15.4.5), so their variant has no `body` field.
 */
export type HeaderList = Array<readonly [string, string]>;

/** Statuses that never carry a body. */
export type BodilessStatus = 204 | 304;

/** Statuses this server answers with a body. */
export type StatusWithBody =
  | 200 | 201
  | 400 | 401 | 403 | 404 | 405 | 406 | 409 | 410 | 411 | 412 | 413 | 415 | 422 | 428 | 431
  | 500 | 503;

/**
 * A response whose body is written as it is produced (Server-Sent Events). The adapter writes each
 * chunk as soon as it comes, without buffering, and stops when the iterable ends; the iterable
 * ends when the request's AbortSignal aborts (client gone, server shutting down, or a CGI
 * stream's lifetime over). It has no Content-Length.
 */
export interface StreamingResponse {
  readonly status: 200;
  readonly headers: HeaderList;
  readonly stream: AsyncIterable<Uint8Array>;
}

/** A complete response: status, headers, and (unless bodiless) the body bytes or a stream of them. */
export type CoreResponse =
  | { readonly status: BodilessStatus; readonly headers: HeaderList }
  | { readonly status: StatusWithBody; readonly headers: HeaderList; readonly body: Uint8Array }
  | StreamingResponse;

/** The reason phrases the CGI `Status:` line and the HTTP status line use. */
export const REASON: Readonly<Record<BodilessStatus | StatusWithBody, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Content Too Large',
  415: 'Unsupported Media Type', 422: 'Unprocessable Content', 428: 'Precondition Required',
  431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Returns true when the response variant carries a body. */
export function hasBody(response: CoreResponse): response is Extract<CoreResponse, { body: Uint8Array }> {
  return 'body' in response;
}

/** Returns true when the response body is a stream of chunks. */
export function isStreaming(response: CoreResponse): response is StreamingResponse {
  return 'stream' in response;
}

const UTF8 = new TextEncoder();

/** Builds a response with a UTF-8 body and its Content-Type and Content-Length. */
export function textResponse(status: StatusWithBody, contentType: string, text: string, headers: HeaderList = []): CoreResponse {
  const body = UTF8.encode(text);
  return {
    status,
    headers: [['Content-Type', contentType], ['Content-Length', String(body.byteLength)], ...headers],
    body,
  };
}

/** Returns the first value of a header, matched case-insensitively. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([key]) => key.toLowerCase() === lower)?.[1];
}
