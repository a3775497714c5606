import type { Writable } from 'node:stream';
import type { RetryEvent } from '../client/request.js';

/**
 * Writes a line and resolves once the stream has handed it to the operating system, so that what
 * a command does next (saving a cursor) happens only after the line is out.
 */
export function writeLine(stream: Writable, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(`${line}\n`, (error) => (error ? reject(error) : resolve()));
  });
}

/** A retry reporter for a command: one line on stderr per retry. */
export function retryReporter(command: string): (event: RetryEvent) => void {
  return (event) => {
    const what = event.status === undefined ? 'no answer' : String(event.status);
    process.stderr.write(`atommq ${command}: ${event.method} ${event.url}: ${what} (${event.reason}); retrying in ${event.delayMs} ms\n`);
  };
}

/** A command-line mistake: the message is printed with the usage, and the exit code is 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses a non-negative integer option, or throws a {@link UsageError}. */
export function integerOption(text: string | undefined, name: string, minimum: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text) || Number(text) < minimum) throw new UsageError(`${name} must be an integer of at least ${minimum}, not ${text}`);
  return Number(text);
}
