import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { GroupMessage } from '../client/group-source.js';
import type { GroupSubscribeOptions } from '../client/subscribe.js';
import { subscribe } from '../client/subscribe.js';
import { UsageError, integerOption, retryReporter } from './output.js';

/** The usage line of `atommq work`. */
export const WORK_USAGE = 'atommq work FEED_URL --group G [--concurrency N] [--lease SECONDS] -- CMD [ARGS…]';

/** A command that did not exit 0: its message is nacked. */
class CommandFailed extends Error {}

/**
 * `atommq work`: a queue worker in one line of shell. Runs CMD once per message of the group,
 * with the entry's XML on stdin and `ATOMMQ_SEQ`, `ATOMMQ_DELIVERIES` and `ATOMMQ_FEED_URL` in
 * its environment. Exit 0 acks the message; anything else nacks it, so it is delivered again
 * (and parked after the group's maximum deliveries). `--concurrency N` runs up to N commands at
 * once. SIGINT or SIGTERM stops claiming, lets running commands finish and settle, and exits 0.
 * A usage mistake throws {@link UsageError} (exit 2, see client-commands.ts).
 */
export async function workCommand(argv: readonly string[]): Promise<number> {
  const split = argv.indexOf('--');
  const { values, positionals } = parseArgs({
    args: [...(split < 0 ? argv : argv.slice(0, split))],
    options: { group: { type: 'string' }, concurrency: { type: 'string' }, lease: { type: 'string' } },
    allowPositionals: true,
  });
  const [feedUrl] = positionals;
  const command = split < 0 ? [] : argv.slice(split + 1);
  if (feedUrl === undefined || positionals.length > 1) throw new UsageError('work takes one feed URL');
  if (values.group === undefined) throw new UsageError('work needs --group');
  if (command.length === 0) throw new UsageError('work needs a command after --');
  const concurrency = integerOption(values.concurrency, '--concurrency', 1) ?? 1;
  // The server takes leases in seconds with up to three decimals (README, "Consumer groups").
  if (values.lease !== undefined && !/^\d{1,6}(\.\d{1,3})?$/.test(values.lease)) throw new UsageError(`--lease must be seconds, such as 30 or 0.5, not ${values.lease}`);
  const leaseSeconds = values.lease === undefined ? undefined : Number(values.lease);
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const options: GroupSubscribeOptions = { group: values.group, max: 1, leaseSeconds, signal: stop.signal, onRetry: retryReporter('work') };
  try {
    await Promise.all(Array.from({ length: concurrency }, () => workLoop(feedUrl, options, command)));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

/** One worker slot: claims one message at a time until the signal aborts. */
async function workLoop(feedUrl: string, options: GroupSubscribeOptions, command: readonly string[]): Promise<void> {
  while (options.signal?.aborted !== true) {
    try {
      // subscribe acks a message when the loop body finishes, and nacks it when the body throws.
      for await (const message of subscribe(feedUrl, options)) await runCommand(feedUrl, message, command);
    } catch (error) {
      if (!(error instanceof CommandFailed)) throw error;
    }
  }
}

/** Runs CMD for one message; throws {@link CommandFailed} unless it exits 0. */
function runCommand(feedUrl: string, message: GroupMessage, command: readonly string[]): Promise<void> {
  const [file = '', ...args] = command;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { ...process.env, ATOMMQ_SEQ: String(message.seq), ATOMMQ_DELIVERIES: String(message.deliveries), ATOMMQ_FEED_URL: feedUrl },
    });
    child.stdin.on('error', () => undefined); // a command need not read its input
    child.stdin.end(`${message.xml}\n`);
    child.once('error', (error) => reject(new CommandFailed(`${file}: ${error.message}`)));
    child.once('exit', (code, signal) => {
      const outcome = code === 0 ? 'acked' : `nacked (${signal ?? `exit ${code ?? '?'}`})`;
      process.stderr.write(`atommq work: entry ${message.seq}, delivery ${message.deliveries}: ${outcome}\n`);
      if (code === 0) resolve();
      else reject(new CommandFailed(outcome));
    });
  });
}
