import type { CoreResponse } from './response.js';

/**
 * Marks a response that must reach the client as soon as it is written: a long poll's answer,
 * and event streams. nginx reads `X-Accel-Buffering: no` and passes the response on without
 * buffering it (and drops the header); other front ends ignore it and need their own setting
 * (Apache: `flushpackets=on` for proxy_fcgi, `FcgidOutputBufferSize 0` for mod_fcgid).
 */
export function unbuffered(response: CoreResponse): CoreResponse {
  return { ...response, headers: [...response.headers, ['X-Accel-Buffering', 'no']] };
}
