import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { CLI } from '../support/processes.js';

/** An `atommq import` process; its progress lines are read as they come. */
export class ImportRun {
  stdout = '';
  stderr = '';
  /** The highest "N/T entries" figure printed so far. */
  done = 0;
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child;
  private readonly waiters = new Set<() => void>();

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [CLI, 'import', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (c: Buffer) => {
      this.stdout += c.toString('utf8');
    });
    this.child.stderr.on('data', (c: Buffer) => {
      this.stderr += c.toString('utf8');
      for (const match of this.stderr.matchAll(/import: (\d+)\/\d+ entries/g)) this.done = Math.max(this.done, Number(match[1]));
      for (const waiter of [...this.waiters]) waiter();
    });
    this.ended = new Promise((resolve) => this.child.once('close', (code, signal) => {
      for (const waiter of [...this.waiters]) waiter();
      resolve({ code, signal });
    }));
  }

  /** Resolves once the import reported at least `entries` stored; fails if it ends first. */
  waitForProgress(entries: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no progress to ${entries} within ${timeoutMs} ms: ${this.stderr}`)), timeoutMs);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error === undefined) resolve();
        else reject(error);
      };
      const check = (): void => {
        if (this.done >= entries) finish();
        else if (this.child.exitCode !== null || this.child.signalCode !== null) finish(new Error(`the import ended before ${entries} entries: ${this.stderr}`));
      };
      this.waiters.add(check);
      check();
    });
  }

  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGKILL');
    return this.ended;
  }
}

/** Writes an Atom feed file of `count` entries titled imp-0, imp-1…, about 300 bytes each. */
export async function writeFeedFile(path: string, count: number): Promise<void> {
  const parts = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>export</title><id>urn:uuid:00000000-0000-4000-8000-000000000000</id>\n'];
  for (let n = 0; n < count; n++) {
    parts.push(`<entry><title>imp-${n}</title><id>urn:uuid:old-${n}</id><author><name>importer</name></author><content type="text">message ${n} ${'x'.repeat(150)}</content></entry>\n`);
  }
  parts.push('</feed>\n');
  await writeFile(path, parts.join(''));
}
