/** A listening socket that systemd passed in (sd_listen_fds(3)). */
export interface ActivatedSocket {
  /** The descriptor: 3 for the first (SD_LISTEN_FDS_START). */
  readonly fd: number;
  /** Its `FileDescriptorName=` from the .socket unit, when LISTEN_FDNAMES names it. */
  readonly name: string | undefined;
}

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
const LISTEN_FDS_START = 3;

/**
 * systemd socket activation: returns the listening socket passed in when `LISTEN_FDS` is set and
 * `LISTEN_PID` names this process, and undefined otherwise. Like sd_listen_fds(3) with
 * `unset_environment`, it removes the three variables, so no child process mistakes them for
 * its own. AtomMQ serves one socket; a unit that passes several is refused with a message.
 */
export function takeActivatedSocket(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): ActivatedSocket | undefined {
  const count = env['LISTEN_FDS'];
  const listenPid = env['LISTEN_PID'];
  const names = env['LISTEN_FDNAMES'];
  delete env['LISTEN_FDS'];
  delete env['LISTEN_PID'];
  delete env['LISTEN_FDNAMES'];
  if (count === undefined || listenPid === undefined || !/^\d+$/.test(listenPid) || Number(listenPid) !== pid) return undefined;
  if (!/^\d+$/.test(count) || Number(count) === 0) return undefined;
  if (Number(count) > 1) throw new Error(`systemd passed ${count} sockets (LISTEN_FDS); AtomMQ serves one: give the .socket unit a single Listen line`);
  const name = names?.split(':')[0];
  return { fd: LISTEN_FDS_START, name: name === '' ? undefined : name };
}
