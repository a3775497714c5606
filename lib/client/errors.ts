/**
 * What the client throws. A refused request (a 4xx, or a 5xx that retrying did not cure) is an
 * {@link AtomMQRequestError} carrying the status and the server's RFC 9457 `detail`; a request
 * that never got an answer after every retry carries no status.
 */

/** A request the server refused, or that could not be completed after its retries. */
export class AtomMQRequestError extends Error {
  /**
   * @param status the HTTP status of the last answer; undefined when no answer came (network).
   * @param detail the problem document's `detail`, or a description of the network failure.
   * @param attempts how many times the request was sent.
   */
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number | undefined,
    readonly detail: string,
    readonly attempts: number,
  ) {
    super(`${method} ${url}: ${status === undefined ? 'no answer' : status}${detail === '' ? '' : `: ${detail}`}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`);
    this.name = 'AtomMQRequestError';
  }
}

/** An answer the client cannot make sense of: not Atom, or a page that contradicts its ETag. */
export class AtomMQProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AtomMQProtocolError';
  }
}

/** True for the error a fetch or a sleep throws when its AbortSignal fires. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
