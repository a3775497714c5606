import { parseArgs } from 'node:util';
import { AtomMQRequestError } from '../client/errors.js';
import { publishFeedDocument } from '../client/publish.js';
import { loadProgress, saveProgress } from './import-progress.js';
import type { ImportProgress } from './import-progress.js';
import { planImport } from './import-plan.js';
import { UsageError, integerOption, retryReporter, writeLine } from './output.js';
import { ProgressMeter } from './progress-meter.js';

/** Usage of `atommq import`. */
export const IMPORT_USAGE = 'atommq import URL FILE [--batch-size N] [--batch-bytes BYTES] [--progress-file F]';

/** A server's default `maxBatchEntries`. */
const DEFAULT_BATCH_SIZE = 1000;
/** Half of a server's default 1 MiB body limit. */
const DEFAULT_BATCH_BYTES = 512 * 1024;

/**
 * `atommq import URL FILE`: publishes every entry of an Atom feed file, or every message of a
 * JSON-lines file, in batches, in file order. It is resumable: a rerun with the same file and
 * batch limits publishes nothing twice. Progress goes to `F` (default `FILE.atommq-import`)
 * after each batch, and each batch carries an Idempotency-Key made of the file's SHA-256, the
 * limits and its index, so the batch that was in flight when a run was killed is recognised by
 * the server (which remembers keys for 24 hours) instead of being stored again.
 */
export async function importCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args], allowPositionals: true,
    options: { 'batch-size': { type: 'string' }, 'batch-bytes': { type: 'string' }, 'progress-file': { type: 'string' } },
  });
  const [url, file] = positionals;
  if (url === undefined || file === undefined || positionals.length > 2) throw new UsageError('import takes a feed URL and a FILE');
  const limits = { size: integerOption(values['batch-size'], '--batch-size', 1) ?? DEFAULT_BATCH_SIZE, bytes: integerOption(values['batch-bytes'], '--batch-bytes', 1024) ?? DEFAULT_BATCH_BYTES };
  const plan = await planImport(file, limits);
  const progressFile = values['progress-file'] ?? `${file}.atommq-import`;
  const identity = { feed: url, sha256: plan.sha256, batchSize: limits.size, batchBytes: limits.bytes, batches: plan.batches.length };
  let progress: ImportProgress = (await loadProgress(progressFile, identity)) ?? { ...identity, done: 0, entries: 0 };
  if (plan.skipped > 0) process.stderr.write(`atommq import: skipping ${plan.skipped} deletions, which cannot be imported\n`);
  const already = progress.entries;
  const meter = new ProgressMeter(plan.total, already);
  let replayed = 0;
  for (let index = progress.done; index < plan.batches.length; index++) {
    const batch = plan.batches[index];
    if (batch === undefined) break;
    try {
      const stored = await publishFeedDocument(url, batch.body(), {
        idempotencyKey: `atommq-import.${plan.sha256.slice(0, 32)}.${limits.size}.${limits.bytes}.${index}`,
        onRetry: retryReporter('import'),
      });
      if (stored.count !== batch.count) throw new Error(`batch ${index + 1}: the server stored ${stored.count} entries, not ${batch.count}`);
      if (stored.replayed) replayed += 1;
    } catch (error) {
      if (error instanceof AtomMQRequestError) {
        process.stderr.write(`atommq import: batch ${index + 1} of ${plan.batches.length} (entries ${batch.first + 1} to ${batch.first + batch.count} of ${file}) was not stored; entries 1 to ${batch.first} are.\n`);
      }
      throw error;
    }
    progress = { ...progress, done: index + 1, entries: batch.first + batch.count };
    await saveProgress(progressFile, progress);
    meter.update(progress.entries);
  }
  if (already < plan.total) meter.update(progress.entries, true);
  const seconds = (meter.rate(progress.entries) > 0 ? (progress.entries - already) / meter.rate(progress.entries) : 0).toFixed(1);
  await writeLine(process.stdout, already === plan.total
    ? `nothing to import: all ${plan.total} entries of ${file} were imported before (${progressFile})`
    : `imported ${progress.entries - already} entries of ${file} into ${url} in ${seconds} s (${Math.round(meter.rate(progress.entries))} entries/s)`
      + `${already > 0 ? `; ${already} were imported before` : ''}${replayed > 0 ? `; ${replayed} batch(es) were already stored, and were not stored again` : ''}`);
  return 0;
}
