/**
 * The few HTTP exchanges a consumer-group worker makes, on Node 20's global fetch. A 502, 503 or
 * 504 and a request that got no answer are retried with a growing delay; any other answer is
 * returned as is. (Standalone on purpose: `atommq/client`'s request helper lives on another
 * branch; the two can share one once both are merged.)
 */

/** An answer with its body read. */
export interface GroupAnswer {
  readonly status: number;
  readonly body: string;
}

/** Raised when a group request fails for good: a refusal, or no answer after every retry. */
export class GroupRequestError extends Error {
  constructor(message: string, readonly status: number | undefined) {
    super(message);
    this.name = 'GroupRequestError';
  }
}

const RETRIED = new Set([502, 503, 504]);
const MAX_ATTEMPTS = 8;

/** Sends one request, retrying "not now" answers and lost requests; aborts with `signal`. */
export async function groupRequest(method: string, url: string, init: {
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: string | undefined;
  readonly signal?: AbortSignal | undefined;
} = {}): Promise<GroupAnswer> {
  for (let attempt = 1; ; attempt += 1) {
    let failure: string;
    try {
      const response = await fetch(url, { method, headers: { 'User-Agent': 'atommq-client/0.1', ...init.headers }, body: init.body ?? null, signal: init.signal ?? null });
      const body = await response.text();
      if (!RETRIED.has(response.status)) return { status: response.status, body };
      failure = `${method} ${url} answered ${response.status}`;
    } catch (error) {
      if (init.signal?.aborted === true) throw error;
      failure = `${method} ${url} got no answer: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (attempt >= MAX_ATTEMPTS) throw new GroupRequestError(failure, undefined);
    await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 50 * 2 ** attempt)));
  }
}

/** Throws a {@link GroupRequestError} unless the answer has one of the `expected` statuses. */
export function expectStatus(answer: GroupAnswer, expected: readonly number[], what: string): GroupAnswer {
  if (expected.includes(answer.status)) return answer;
  throw new GroupRequestError(`${what} answered ${answer.status}: ${answer.body.slice(0, 300)}`, answer.status);
}
