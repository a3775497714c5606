import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** One JSON line a consumer printed. */
export interface ConsumedLine {
  readonly seq: number;
  readonly id: string;
  readonly title: string;
  readonly updated: string;
  readonly deleted: boolean;
}

/**
 * A consumer process that prints one JSON object per message (`atommq tail --json`, or
 * consumer.js). Its output is parsed as it arrives, and a test can wait for what it printed.
 */
export class ChildConsumer {
  readonly lines: ConsumedLine[] = [];
  /** Bytes after the last newline: a torn line, if the process died mid-write. */
  partial = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  constructor(command: string, args: readonly string[]) {
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => this.take(chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.closed = new Promise((resolve) => this.child.once('close', (code, signal) => {
      this.notify();
      resolve({ code, signal });
    }));
  }

  /** The highest seq printed so far, 0 before any. */
  get lastSeq(): number {
    return this.lines.at(-1)?.seq ?? 0;
  }

  /** Resolves once `check()` holds; fails after `timeoutMs`, or when the process exits first. */
  waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = (): void => {
        if (check()) {
          done();
          resolve();
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`the consumer exited before ${what}: ${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seq ${this.lastSeq}; stderr: ${this.stderr}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(test);
      };
      this.waiters.add(test);
      test();
    });
  }

  /** Sends `signal` and resolves with how the process ended, once its output is all read. */
  async stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.closed;
  }

  private take(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const part of parts) if (part !== '') this.lines.push(parseLine(part));
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function parseLine(text: string): ConsumedLine {
  const value: unknown = JSON.parse(text);
  const field = (name: string): unknown => (typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined);
  const [seq, id, title, updated, deleted] = ['seq', 'id', 'title', 'updated', 'deleted'].map(field);
  if (typeof seq !== 'number' || typeof id !== 'string' || typeof title !== 'string' || typeof updated !== 'string' || typeof deleted !== 'boolean') {
    throw new Error(`a consumer line lacks seq, id, title, updated or deleted: ${text}`);
  }
  return { seq, id, title, updated, deleted };
}
