import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_CONFIG } from '../lib/core/deps.js';
import type { Deps } from '../lib/core/deps.js';
import { handle } from '../lib/core/handle.js';
import { hasBody } from '../lib/core/response.js';
import { LazyStore } from '../lib/storage/lazy-store.js';
import { hostileInputs } from './hostile-inputs.js';

/**
 * `npm run bench:hostile` (also the last step of `npm run bench`): posts each pathological
 * input of issue 10 to the in-process core on a fresh SQLite file, and records the worst
 * event-loop delay while it is handled (perf_hooks.monitorEventLoopDelay, 1 ms resolution):
 * how long every other request on the same process would have waited. Prints a markdown table.
 */
async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atommq-hostile-delay-'));
  const deps: Deps = { store: new LazyStore(`sqlite:${join(dir, 'bus.db')}`), config: DEFAULT_CONFIG, now: () => new Date(), newUuid: randomUUID, logError: (m) => process.stderr.write(`${m}\n`) };
  const rows: string[] = [];
  try {
    await post(deps, '<entry xmlns="http://www.w3.org/2005/Atom"><title>warm-up</title></entry>'); // opens the database, loads libxml2
    for (const input of hostileInputs()) {
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      // The histogram measures the gap between its own timer ticks: let it tick once first, or a
      // block that starts at once is never seen.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const started = performance.now();
      const answer = await post(deps, input.body);
      const elapsed = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 5)); // let the histogram take its last sample
      histogram.disable();
      const worst = histogram.max / 1e6;
      rows.push(`| ${input.name} | ${(Buffer.byteLength(input.body) / 1024).toFixed(0)} KiB | ${answer.status} | ${(answer.bytes / 1024).toFixed(0)} KiB | ${elapsed.toFixed(0)} ms | ${worst.toFixed(1)} ms |`);
      process.stderr.write(`[hostile-delay] ${input.name}: ${answer.status}, worst event-loop delay ${worst.toFixed(1)} ms\n`);
    }
  } finally {
    await deps.store.close();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(['', '| hostile input (issue 10) | request | status | answer | handled in | worst event-loop delay |', '|---|---:|---:|---:|---:|---:|', ...rows, ''].join('\n'));
}

async function post(deps: Deps, body: string): Promise<{ status: number; bytes: number }> {
  const bytes = new TextEncoder().encode(body);
  const env = { REQUEST_METHOD: 'POST', SCRIPT_NAME: '', PATH_INFO: '/feeds/hostile', QUERY_STRING: '', SERVER_NAME: 'localhost', SERVER_PORT: '80', HTTP_HOST: 'localhost', CONTENT_TYPE: 'application/atom+xml', CONTENT_LENGTH: String(bytes.byteLength) };
  const response = await handle(env, (async function* () { yield bytes; })(), deps);
  return { status: response.status, bytes: hasBody(response) ? response.body.byteLength : 0 };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
