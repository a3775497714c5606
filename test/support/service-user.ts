import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The user `atommq serve` runs as behind Apache and nginx, as a deployment would: not root and
 * not the web server's user. It is a member of www-data, so `--socket-group www-data` is allowed
 * (chown(2) needs root or membership); its own group is atommq-test, so a socket left in that
 * group is closed to nginx.
 */
export const SERVICE_USER = 'atommq-test';
/** The web server workers' user and group on Debian. */
export const WEB_USER = 'www-data';

/** Numeric ids of a user, or undefined when there is no such user. */
export function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const fields = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).split(':');
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    return undefined;
  }
}

/** True when the tests run as root, which starting web servers as www-data needs. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Creates the service user (a system user, no home, no shell) once; returns its ids. */
export function ensureServiceUser(): { uid: number; gid: number } {
  const existing = userIds(SERVICE_USER);
  if (existing !== undefined) return existing;
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', '--groups', WEB_USER, SERVICE_USER]);
  const created = userIds(SERVICE_USER);
  if (created === undefined) throw new Error(`useradd did not create ${SERVICE_USER}`);
  return created;
}

/**
 * Lets other users reach `path`: every directory above it gets search permission (o+x) if it
 * lacks it, as a checkout under /root would. Only search, never read: nothing becomes listable.
 */
export function makeReachable(path: string): void {
  for (let dir = dirname(path); dir !== '/'; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      process.stderr.write(`# granting o+x on ${dir}, so that ${WEB_USER} and ${SERVICE_USER} can reach ${path}\n`);
      chmodSync(dir, (mode & 0o7777) | 0o001);
    }
  }
}

/** Hands a temporary directory to `user` (mode 0755, so the web server can traverse it). */
export function giveDirectory(dir: string, ids: { uid: number; gid: number }): void {
  chownSync(dir, ids.uid, ids.gid);
  chmodSync(dir, 0o755);
}

/**
 * The command line that runs `command` as `user`, in `group` (by default the user's own group
 * of the same name) and with its supplementary groups (setpriv(1)).
 */
export function asUser(user: string, command: readonly string[], group = user): string[] {
  return ['setpriv', `--reuid=${user}`, `--regid=${group}`, '--init-groups', '--', ...command];
}
