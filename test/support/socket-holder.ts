import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './processes.js';

/** The Python stand-in for a systemd .socket unit (see socket-holder.py). */
const HOLDER = `${REPO_ROOT}/test/support/socket-holder.py`;

/**
 * A listening socket held open by another process, like systemd's, which starts `command` on
 * it as fd 3 with LISTEN_FDS/LISTEN_PID, stops it with SIGTERM, and starts it again.
 */
export interface SocketHolder {
  /** The TCP port, or the Unix socket's path. */
  readonly address: string;
  /** Starts the command on the socket; resolves with its pid. */
  start(): Promise<number>;
  /** SIGTERMs the command and resolves with its wait status once it has exited. */
  stop(): Promise<number>;
  /** The holder's and the command's stderr so far. */
  stderr(): string;
  /** Stops the command and closes the socket. */
  close(): Promise<void>;
}

/** Starts a holder: `['tcp', '127.0.0.1']` or `['unix', path, mode, group]`; `env` is added to the command's. */
export async function holdSocket(spec: readonly string[], command: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<SocketHolder> {
  const child: ChildProcessWithoutNullStreams = spawn('python3', [HOLDER, ...spec, '--', ...command], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (word: string): Promise<string> => {
    const line = await lines.next();
    if (line.done === true || !line.value.startsWith(`${word} `)) throw new Error(`socket holder: expected "${word}", got ${String(line.value)}: ${stderr}`);
    return line.value.slice(word.length + 1);
  };
  const address = await next('listening');
  return {
    address,
    stderr: () => stderr,
    start: async () => {
      child.stdin.write('start\n');
      return Number(await next('started'));
    },
    stop: async () => {
      child.stdin.write('stop\n');
      return Number(await next('stopped'));
    },
    close: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end();
    }),
  };
}
