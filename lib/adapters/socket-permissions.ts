import { execFileSync } from 'node:child_process';
import { chown } from 'node:fs/promises';

/**
 * Who may connect to `atommq serve --fastcgi PATH`, like php-fpm's `listen.mode` and
 * `listen.group`. Connecting to a Unix socket needs write permission on it (unix(7)).
 */
export interface SocketAccess {
  /** The socket file's permission bits; {@link DEFAULT_SOCKET_MODE} unless set. */
  readonly mode: number;
  /** The group the socket is given; undefined keeps the process's own group. */
  readonly group: string | undefined;
}

/**
 * The default mode, 0660: the owner and the socket's group may connect, no one else may. A web
 * server connects when it runs in that group: start AtomMQ with that group as its own, or pass
 * `--socket-group`. The FastCGI socket trusts whoever talks to it (REMOTE_USER included), so
 * "others" never get access by default.
 */
export const DEFAULT_SOCKET_MODE = 0o660;

/** Parses `--socket-mode`: three or four octal digits, such as 0660 or 660. */
export function parseSocketMode(text: string): number {
  if (!/^0?[0-7]{3}$/.test(text)) throw new Error(`--socket-mode must be an octal mode such as 0660, not ${text}`);
  return Number.parseInt(text, 8);
}

/** The numeric id of group `name` (a number passes through), through NSS as getent(1) does. */
export function groupId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    const line = execFileSync('getent', ['group', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const gid = Number(line.split(':')[2]);
    if (Number.isInteger(gid)) return gid;
  } catch {
    // getent exits 2 for an unknown group; the message below says which one
  }
  throw new Error(`--socket-group: there is no group named ${name}`);
}

/**
 * Runs `listen`, which must bind the socket synchronously (net's listen on a path does), under a
 * umask that leaves exactly `mode`, so the socket file never exists with wider permissions, not
 * even for a moment. The previous umask is restored at once.
 */
export function bindWithMode(mode: number, listen: () => void): void {
  const previous = process.umask(0o777 & ~mode);
  try {
    listen();
  } finally {
    process.umask(previous);
  }
}

/**
 * Gives the socket file its group. Until then its group is the process's own, so it is never
 * reachable by more users than asked. chown(2) allows this to root, and to the owner when it is
 * a member of the group.
 */
export async function applySocketGroup(path: string, group: string, gid: number): Promise<void> {
  try {
    await chown(path, -1, gid);
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EPERM')) throw error;
    throw new Error(`cannot give the socket ${path} the group ${group}: that needs root, or a user who is a member of ${group} (AtomMQ runs as uid ${process.getuid?.() ?? '?'})`);
  }
}
