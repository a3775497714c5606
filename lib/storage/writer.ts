import type { AppendSignals, Session, SqlDialect } from './dialect.js';
import { toError, wrapError } from './errors.js';
import { AppendRejectedError } from './store.js';

/** How often a batch the server rolled back (deadlock, serialization failure) runs; the most jobs a batch takes. */
const MAX_ATTEMPTS = 3;
const MAX_BATCH = 512;

/** Where a committed append left a feed: announced to other heads where the database can. */
export type Grown = { readonly feedId: number; readonly lastSeq: number };

/** Work for a group commit: `lockKey` is the name_key of the feed it locks; `settle` hears the outcome. */
interface WriteJob {
  readonly lockKey: string | undefined;
  run(db: Session): Promise<Grown | undefined>;
  settle(error: Error | undefined): void;
}

/**
 * The write side of every store: group commit. Writes that arrive while a transaction is in
 * flight all go into the next one, so many publishers share one fsync; a job settles only after
 * its transaction committed, so a 201 means "durable". A batch runs its jobs in name_key order,
 * so two heads' batches cannot wait on each other's feed rows (should the server still roll one
 * back, it runs again). It runs without savepoints (two fewer statements per job); only when a
 * job fails is it rolled back and run again with a savepoint around each job, so that job alone fails.
 */
export class Writer {
  private pending: WriteJob[] = [];
  private isRunning = false;

  constructor(private readonly dialect: SqlDialect, private readonly signals: AppendSignals) {}

  /**
   * Runs `work` in the next transaction, after the jobs that lock feeds sorting before `lockKey`,
   * and resolves with its result once committed. `grown` names what an append committed.
   */
  write<R>(lockKey: string | undefined, work: (db: Session) => Promise<R>, grown: (result: R) => Grown | undefined = () => undefined): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      // A batch may run twice (isolated, after a failure); the run that committed set the outcome last.
      let outcome: { readonly value: R } | undefined;
      const run = async (db: Session): Promise<Grown | undefined> => grown((outcome = { value: await work(db) }).value);
      const settle = (error: Error | undefined): void => (error === undefined && outcome !== undefined
        ? resolve(outcome.value) : reject(error ?? new Error('store: a write job finished without a result')));
      this.pending.push({ lockKey, run, settle });
      this.startNext();
    });
  }

  private startNext(): void {
    if (this.isRunning || this.pending.length === 0) return;
    this.isRunning = true;
    const batch = this.pending.splice(0, MAX_BATCH);
    this.commitBatch(batch)
      .then((results) => batch.forEach((job, i) => job.settle(results[i] === true ? undefined : results[i] ?? new Error('store: no result for a job'))),
        (error: unknown) => batch.forEach((job) => job.settle(toError(error))))
      .finally(() => { this.isRunning = false; this.startNext(); });
  }

  private async commitBatch(jobs: readonly WriteJob[]): Promise<Array<true | Error>> {
    const slots = jobs.map((job, index) => ({ job, index })).sort((a, b) => compareKeys(a.job.lockKey, b.job.lockKey) || a.index - b.index);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.runBatch(slots, false)) ?? (await this.runBatch(slots, true)) ?? [];
      } catch (error) {
        if (!this.dialect.adapter.isTransient(error) || attempt >= MAX_ATTEMPTS) throw wrapError('unable to commit', error, this.dialect.adapter);
      }
    }
  }

  /**
   * Runs every job in one transaction and commits it. Without `isolated`, a failing job rolls all
   * back and is the result of a lone job, else undefined asks for the run `isolated` by savepoints.
   */
  private async runBatch(slots: ReadonlyArray<{ readonly job: WriteJob; readonly index: number }>, isolated: boolean): Promise<Array<true | Error> | undefined> {
    const { driver, syntax, adapter } = this.dialect;
    const db = await driver.acquire();
    let broken: unknown;
    try {
      await db.run(syntax.beginWrite);
      const results: Array<true | Error> = [];
      const grown = new Map<number, number>();
      for (const { job, index } of slots) {
        if (isolated) await db.run('SAVEPOINT job');
        try {
          const grew = await job.run(db);
          if (isolated) await db.run('RELEASE SAVEPOINT job');
          if (grew !== undefined) grown.set(grew.feedId, Math.max(grew.lastSeq, grown.get(grew.feedId) ?? 0));
          results[index] = true;
        } catch (error) {
          // A refused append is that job's answer alone; a lost database or a deadlock is the batch's.
          if (!(error instanceof AppendRejectedError) && (adapter.isUnavailable(error) || adapter.isTransient(error))) throw error;
          if (!isolated) {
            await db.run('ROLLBACK');
            return slots.length === 1 ? [toError(error)] : undefined;
          }
          await db.run('ROLLBACK TO SAVEPOINT job');
          await db.run('RELEASE SAVEPOINT job');
          results[index] = toError(error);
        }
      }
      if (grown.size > 0) await this.signals.announce(db, grown);
      await db.run('COMMIT');
      return results;
    } catch (error) {
      // A lost connection cannot roll back; the driver discards it (or, for a file, rolls back).
      if (adapter.isUnavailable(error)) broken = error;
      else await db.run('ROLLBACK').catch((failure: unknown) => { broken = failure; });
      throw error;
    } finally {
      await driver.release(db, broken);
    }
  }
}

/** Orders lock keys, unkeyed last, the same way on every head. */
const compareKeys = (a?: string, b?: string): number => (a === b ? 0 : a === undefined ? 1 : b === undefined || a < b ? -1 : 1);
