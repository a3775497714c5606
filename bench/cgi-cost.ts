import { spawn } from 'node:child_process';
import { runCgi } from '../test/support/cgi.js';
import { envFor } from '../test/support/env.js';
import { httpFetch } from '../test/support/http.js';
import { quantile } from './load.js';

/** Medians, in milliseconds, of the three ways of paying for one process start. */
export interface CgiCost {
  readonly runs: number;
  readonly nodeMs: number;
  readonly directMs: number;
  readonly lighttpdMs: number;
  readonly failed: number;
}

/**
 * Times one CGI request, `runs` times each and interleaved so that disk and CPU noise hit all
 * three alike: `node -e 0` (the floor), cgi-bin/mycoolfeed spawned directly with a CGI env (as
 * the tests do), and the same request through lighttpd's mod_cgi. The request is the consumer's
 * poll: GET `?start_after=<cursor>&limit=20` of the script's feed.
 */
export async function measureCgiCost(options: { readonly runs: number; readonly dsn: string; readonly lighttpdPort: number; readonly query: string }): Promise<CgiCost> {
  const node: number[] = [];
  const direct: number[] = [];
  const viaLighttpd: number[] = [];
  let failed = 0;
  const { env, body } = envFor(`GET ?${options.query}`, { scriptName: '/cgi-bin/mycoolfeed', host: `127.0.0.1:${options.lighttpdPort}` });
  for (let i = 0; i < options.runs; i++) {
    node.push(await timed(runNodeE0));
    direct.push(await timed(async () => {
      const response = await runCgi(env, body, { ATOMMQ_DSN: options.dsn });
      if (response.status !== 200) failed += 1;
    }));
    viaLighttpd.push(await timed(async () => {
      const response = await httpFetch(options.lighttpdPort, 'GET', `/cgi-bin/mycoolfeed?${options.query}`);
      if (response.status !== 200) failed += 1;
    }));
  }
  const median = (xs: number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);
  return { runs: options.runs, nodeMs: median(node), directMs: median(direct), lighttpdMs: median(viaLighttpd), failed };
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function runNodeE0(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node -e 0 exited with ${code}`))));
  });
}
