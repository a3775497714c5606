import { readJsonFile, replaceFileDurably } from '../client/durable-write.js';
import { UsageError } from './output.js';

/**
 * The progress file of an import: which file went to which feed, cut how, and how many batches
 * the server has acknowledged. It is saved durably after each batch. A rerun skips the
 * acknowledged batches and sends the next one with the same Idempotency-Key as before, so a
 * batch whose answer was lost in a crash is answered from the server's memory, not stored twice.
 */
export interface ImportProgress {
  readonly feed: string;
  readonly sha256: string;
  readonly batchSize: number;
  readonly batchBytes: number;
  readonly batches: number;
  /** Batches acknowledged, from the first: batches `0 … done-1` are stored. */
  readonly done: number;
  /** Entries in those batches. */
  readonly entries: number;
}

/** Loads the progress of this very import, or undefined when there is none yet. */
export async function loadProgress(path: string, expected: Omit<ImportProgress, 'done' | 'entries'>): Promise<ImportProgress | undefined> {
  const saved = await readJsonFile(path, () => new UsageError(`the progress file ${path} is not JSON; remove it to start the import over`));
  if (saved === undefined) return undefined;
  const field = (name: string): unknown => (typeof saved === 'object' && saved !== null ? Reflect.get(saved, name) : undefined);
  for (const [name, value] of Object.entries(expected)) {
    if (field(name) !== value) {
      throw new UsageError(`the progress file ${path} belongs to another import (its ${name} is ${JSON.stringify(field(name))}, not ${JSON.stringify(value)}); remove it, or pass --progress-file`);
    }
  }
  const done = field('done');
  const entries = field('entries');
  if (typeof done !== 'number' || typeof entries !== 'number' || !Number.isSafeInteger(done) || done < 0 || done > expected.batches) {
    throw new UsageError(`the progress file ${path} is damaged; remove it to start the import over`);
  }
  return { ...expected, done, entries };
}

/** Records progress durably: write, fsync, rename. */
export async function saveProgress(path: string, progress: ImportProgress): Promise<void> {
  await replaceFileDurably(path, `${JSON.stringify(progress)}\n`);
}
