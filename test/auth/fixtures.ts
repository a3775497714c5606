import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A user of a test htpasswd file, and how `htpasswd` stores the password. */
export interface TestUser {
  readonly user: string;
  readonly password: string;
  /** `htpasswd -B` (bcrypt, $2y$) or `htpasswd -s` ({SHA}). */
  readonly format: 'bcrypt' | 'sha';
}

/** alice's password is bcrypt, bob's {SHA}; both are distinctive, so a leak into a log is found. */
export const ALICE: TestUser = { user: 'alice', password: 'Alice-secret-4f7c2e', format: 'bcrypt' };
export const BOB: TestUser = { user: 'bob', password: 'Bob-secret-9a1d83', format: 'sha' };

/** A temporary folder; `remove()` deletes it. */
export async function tempDir(): Promise<{ readonly path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'atommq-auth-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Writes an htpasswd file with Debian's `htpasswd` (apache2-utils), the tool operators use.
 * `cost` is the bcrypt cost (`-C`); htpasswd's default is 5.
 */
export function writeHtpasswd(file: string, users: readonly TestUser[], cost = 5): void {
  for (const [index, { user, password, format }] of users.entries()) {
    const args = [format === 'bcrypt' ? '-B' : '-s', ...(format === 'bcrypt' ? ['-C', String(cost)] : []), '-b', ...(index === 0 ? ['-c'] : []), file, user, password];
    execFileSync('htpasswd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

/** Writes an auth config file (JSON) and returns its path. */
export async function writeAuthConfig(dir: string, config: unknown, name = 'auth.json'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

/** The `Authorization` header of a Basic login (RFC 7617), UTF-8 encoded. */
export function basic(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}` };
}

/** A small Atom entry to publish. */
export const ENTRY = '<entry xmlns="http://www.w3.org/2005/Atom"><title>auth test</title><content>hello</content></entry>';

/** Headers of a publish. */
export const ENTRY_HEADERS = { 'Content-Type': 'application/atom+xml;type=entry' };
