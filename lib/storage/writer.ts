import type { AppendSignals, Session, SqlDialect } from './dialect.js';
import { toError, wrapError } from './errors.js';
import { AppendRejectedError } from './store.js';

/** How often a batch the server rolled back as a whole (deadlock, serialization failure) runs again. */
const MAX_ATTEMPTS = 3;
/** The most jobs one transaction takes. */
const MAX_BATCH = 512;

/** Where a committed append left a feed: announced to other heads where the database can. */
export interface Grown {
  readonly feedId: number;
  readonly lastSeq: number;
}

/** Work for a group-committed transaction. */
interface WriteJob {
  /** The name_key of the feed the work locks; a batch runs its jobs in this order, unkeyed last. */
  readonly lockKey: string | undefined;
  run(db: Session): Promise<Grown | undefined>;
  /** Called once the transaction that ran the job committed (no error), or failed. */
  settle(error: Error | undefined): void;
}

/** A job and its place in the batch as submitted. */
type Slot = { readonly job: WriteJob; readonly index: number };

/**
 * The write side of every store: group commit. Writes (appends and feed administration) that
 * arrive while a transaction is in flight wait, then all go into the next transaction together,
 * on the driver's write connection, so many publishers share one fsync. A job's promise settles
 * only after the transaction that holds it has committed, so a 201 still means "durable".
 *
 * - Lock order: a batch runs its jobs in name_key order, so two heads' batches cannot wait on
 *   each other's feed rows; should the server still roll a batch back, it runs again.
 * - Isolation: most batches have no failing job, so they run without savepoints (two fewer
 *   statements per job). When a job fails, the transaction is rolled back and the batch runs
 *   again with a savepoint around each job, so that job alone fails.
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
      // A batch may run twice (see Isolation); the run that committed set the outcome last.
      let outcome: { readonly value: R } | undefined;
      this.pending.push({
        lockKey,
        run: async (db) => {
          const value = await work(db);
          outcome = { value };
          return grown(value);
        },
        settle: (error) => {
          if (error === undefined && outcome !== undefined) resolve(outcome.value);
          else reject(error ?? new Error('store: a write job finished without a result'));
        },
      });
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
      .finally(() => {
        this.isRunning = false;
        this.startNext();
      });
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
   * Runs every job in one transaction and commits it. Without `isolated`, a failing job rolls the
   * whole transaction back: a lone job's failure is its result, otherwise undefined asks for the
   * isolated run. With `isolated`, a failing job is undone by its savepoint and reported in its slot.
   */
  private async runBatch(slots: readonly Slot[], isolated: boolean): Promise<Array<true | Error> | undefined> {
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
