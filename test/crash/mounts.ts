import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import { IS_CI } from '../support/tools.js';

/**
 * A small tmpfs of its own, for faults that file permissions cannot cause: the tests run as root
 * in CI, and root writes through 0444 files. A full tmpfs gives ENOSPC, a read-only mount EROFS.
 */
export interface Tmpfs {
  readonly dir: string;
  /** Remounts it read-only or read-write. */
  remount(mode: 'ro' | 'rw'): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `sizeBytes` at `dir`. Returns undefined, with the test skipped and the reason
 * printed, when this process may not mount (not root, or no CAP_SYS_ADMIN in a container);
 * under CI=true that is a failure instead.
 */
export async function mountTmpfs(t: TestContext, dir: string, sizeBytes: number): Promise<Tmpfs | undefined> {
  await mkdir(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const reason = `cannot mount a tmpfs at ${dir} (needs root and mount permission): ${stderrOf(error)}`;
    if (IS_CI) throw new Error(`CI=true, so this test must run; ${reason}`, { cause: error });
    process.stderr.write(`# skipped: ${reason}\n`);
    t.skip(reason);
    return undefined;
  }
  const run = (args: string[]): void => {
    execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  return {
    dir,
    remount: (mode) => run(['-o', `remount,${mode}`, dir]),
    unmount: () => execFileSync('umount', [dir], { stdio: ['ignore', 'ignore', 'pipe'] }),
  };
}

function stderrOf(error: unknown): string {
  const stderr: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'stderr') : undefined;
  const text = Buffer.isBuffer(stderr) ? stderr.toString('utf8').trim() : '';
  return text !== '' ? text : error instanceof Error ? error.message : String(error);
}
