import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestContext } from 'node:test';

/** True when CI=true: a missing server or tool then fails the test instead of skipping it. */
export const IS_CI = process.env['CI'] === 'true';

/** Returns the absolute path of a command on PATH, or undefined. */
export function whichCommand(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Returns true when `tool` is available. Otherwise: under CI it throws (the test fails); locally
 * it marks the test skipped and prints why.
 */
export function requireTool(t: TestContext, command: string, why: string): boolean {
  if (whichCommand(command) !== undefined) return true;
  const reason = `${command} is not installed (${why}); .ci/run installs it`;
  if (IS_CI) throw new Error(reason);
  process.stderr.write(`# skipped: ${reason}\n`);
  t.skip(reason);
  return false;
}

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every 20 ms until it resolves true, or fails after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
