import type { Deps } from './deps.js';
import type { CoreResponse } from './response.js';
import { textResponse } from './response.js';
import { StoreUnavailableError } from '../storage/store.js';

/** How long the health check waits for the database before it answers 503. */
const HEALTH_TIMEOUT_MS = 2_000;

/**
 * `GET {base}/health`, for load balancers and supervisors: 200 `ok` when the database answers
 * one primary-key read, 503 (with `Retry-After`, through the core's catch-all) when it does not
 * or takes longer than two seconds. It reads no feed and needs no credentials, and RFC 9111
 * §5.2.2.5 `no-store` keeps every cache from answering it in the database's place.
 */
export async function checkHealth(deps: Deps): Promise<CoreResponse> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
  });
  try {
    // Feed id 0 never exists: the read touches the counter table's primary key and nothing else.
    await Promise.race([deps.store.lastSeq(0), timeout]);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(`health: the database did not answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  return textResponse(200, 'text/plain; charset=utf-8', 'ok\n', [['Cache-Control', 'no-store']]);
}
