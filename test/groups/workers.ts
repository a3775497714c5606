import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** What a worker process printed. */
export type WorkerEvent =
  | { readonly event: 'lease'; readonly pid: number; readonly seq: number; readonly deliveries: number; readonly expiresMs: number; readonly leaseMs: number; readonly ack: string }
  | { readonly event: 'ack'; readonly pid: number; readonly seq: number; readonly status: number }
  | { readonly event: 'holding' };

/** A running worker process and the events it printed so far. */
export interface Worker {
  readonly child: ChildProcess;
  readonly events: WorkerEvent[];
  /** Resolves with the exit code (or signal) once the process ended. */
  readonly exited: Promise<number | string>;
  /** Resolves once the worker printed an event that satisfies `test`. */
  until(test: (event: WorkerEvent) => boolean): Promise<void>;
  stderr(): string;
}

const SCRIPT = fileURLToPath(new URL('./worker-process.js', import.meta.url));

/** Starts a worker process on a group (see worker-process.ts). */
export function startWorker(groupUrl: string, mode: 'ack' | 'hold', max: number, leaseSeconds: number, total: number): Worker {
  const child = spawn(process.execPath, [SCRIPT, groupUrl, mode, String(max), String(leaseSeconds), String(total)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: WorkerEvent[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  if (child.stdout !== null) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      events.push(JSON.parse(line) as WorkerEvent);
      for (const listener of [...listeners]) listener();
    });
  }
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child, events, exited, stderr: () => stderr,
    until: (test) => new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (events.some(test)) {
          listeners.delete(check);
          resolve();
        }
      };
      listeners.add(check);
      void exited.then(() => { if (listeners.delete(check)) reject(new Error(`worker exited first: ${stderr}`)); });
      check();
    }),
  };
}

/**
 * Checks that no entry was leased to two workers at once: per seq, each lease runs from its
 * start (the server-reported expiry minus the lease asked for) to its expiry, and the next lease
 * of that seq may start only when the previous one ran out (these workers never nack). Returns the overlaps found.
 */
export function overlappingLeases(events: readonly WorkerEvent[]): string[] {
  const bySeq = new Map<number, Array<{ start: number; end: number }>>();
  for (const e of events) {
    if (e.event === 'lease') bySeq.set(e.seq, [...(bySeq.get(e.seq) ?? []), { start: e.expiresMs - e.leaseMs, end: e.expiresMs }]);
  }
  const overlaps: string[] = [];
  for (const [seq, leases] of bySeq) {
    const sorted = [...leases].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1];
      const next = sorted[i];
      if (previous !== undefined && next !== undefined && next.start < previous.end) {
        overlaps.push(`seq ${seq}: a lease from ${next.start} overlaps one until ${previous.end}`);
      }
    }
  }
  return overlaps;
}
