import { parseEntry, parseFeed } from '../test/support/atom.js';
import type { Target, TargetName } from '../test/support/targets.js';
import { WEB_SERVER_TARGETS, startTargets } from '../test/support/targets.js';

/** The long-poll delay through one front end. */
export interface FrontEndDelay {
  readonly rounds: number;
  readonly medianMs: number;
  readonly maxMs: number;
}

const ENTRY = { 'Content-Type': 'application/atom+xml;type=entry' };

/**
 * Long-poll delivery delay through each web server of the example files (issue 14): a consumer
 * waits with `Prefer: wait=20` on an up-to-date cursor, another client publishes through the
 * same route, and the delay runs from sending the POST to the consumer holding the entry.
 * A few rounds each, on SQLite: this shows that no front end holds an answer back, it is not a
 * throughput figure. A front end that cannot start is recorded as unavailable.
 */
export async function measureFrontEndDelays(rounds: number, log: (m: string) => void): Promise<Record<string, FrontEndDelay | { unavailable: string }>> {
  const results: Record<string, FrontEndDelay | { unavailable: string }> = {};
  for (const name of WEB_SERVER_TARGETS) {
    log(`long-poll delay through ${name}, ${rounds} rounds`);
    let started: Awaited<ReturnType<typeof startTargets>> | undefined;
    try {
      started = await startTargets([name satisfies TargetName]);
      const target = started.targets[0];
      if (target === undefined) throw new Error('no target');
      results[name] = await measure(target, rounds);
    } catch (error) {
      results[name] = { unavailable: error instanceof Error ? error.message : String(error) };
    } finally {
      await started?.close();
    }
  }
  return results;
}

async function measure(t: Target, rounds: number): Promise<FrontEndDelay> {
  const first = await t.request('POST', t.feedPath, { headers: ENTRY, body: '<entry><title>start</title></entry>' });
  let etag = first.headers['etag'] ?? '';
  const delays: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let deliveredAt = 0;
    const waiting = t.request('GET', t.feedPath, { headers: { 'If-None-Match': etag, Prefer: 'wait=20' } })
      .then((response) => { deliveredAt = performance.now(); return response; });
    await t.request('GET', `${t.feedPath}?limit=1`); // the poll is on its way before the publish
    const sentAt = performance.now();
    const posted = await t.request('POST', t.feedPath, { headers: ENTRY, body: `<entry><title>round ${round}</title></entry>` });
    const response = await waiting;
    const ids = response.status === 200 ? parseFeed(response.body).entries.map((e) => e.id) : [];
    if (!ids.includes(parseEntry(posted.body).id)) throw new Error(`round ${round}: the poll answered ${response.status} without the entry`);
    delays.push(deliveredAt - sentAt);
    etag = posted.headers['etag'] ?? etag;
  }
  delays.sort((a, b) => a - b);
  return { rounds, medianMs: delays[Math.floor(delays.length / 2)] ?? Number.NaN, maxMs: delays.at(-1) ?? Number.NaN };
}

/** The markdown table of {@link measureFrontEndDelays}. */
export function renderFrontEndDelays(results: Record<string, FrontEndDelay | { unavailable: string }>): string {
  const lines = ['| front end | rounds | median | max |', '|---|---|---|---|'];
  for (const [name, r] of Object.entries(results)) {
    lines.push('unavailable' in r ? `| ${name} | — | unavailable: ${r.unavailable} | |` : `| ${name} | ${r.rounds} | ${r.medianMs.toFixed(1)} ms | ${r.maxMs.toFixed(1)} ms |`);
  }
  return lines.join('\n');
}
