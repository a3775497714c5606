import type { AppendSignals, Session, SqlDialect } from './dialect.js';
import { toError, wrapError } from './errors.js';
import { GroupCommit, committedResult } from './group-commit.js';
import { AppendRejectedError } from './store.js';

/** How often a batch the server rolled back as a whole (deadlock, serialization failure) runs again. */
const MAX_ATTEMPTS = 3;

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
}

type Slot = { readonly job: WriteJob; readonly index: number };

/**
 * The write side of every store: all writes (appends and feed administration) share one group
 * commit on one connection at a time, so many publishers share one fsync, and a promise settles
 * only after the transaction that holds its job committed.
 *
 * - Lock order: a batch runs its jobs in name_key order, so two heads' batches cannot wait on
 *   each other's feed rows; should the server still roll a batch back, it runs again.
 * - Isolation: most batches have no failing job, so they run without savepoints (two fewer
 *   statements per job). When a job fails, the transaction is rolled back and the batch runs
 *   again with a savepoint around each job, so that job alone fails.
 */
export class Writer {
  private readonly batches = new GroupCommit<WriteJob, true>((jobs) => this.commitBatch(jobs));

  constructor(private readonly dialect: SqlDialect, private readonly signals: AppendSignals) {}

  /**
   * Runs `work` in the next transaction, after the jobs that lock feeds sorting before `lockKey`,
   * and resolves with its result once committed. `grown` names what an append committed.
   */
  async write<R>(lockKey: string | undefined, work: (db: Session) => Promise<R>,
    grown: (result: R) => Grown | undefined = () => undefined): Promise<R> {
    return committedResult((keep) => this.batches.submit({
      lockKey,
      run: async (db) => {
        const value = await work(db);
        keep(value);
        return grown(value);
      },
    }));
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
      await db.execute(syntax.beginWrite);
      const results: Array<true | Error> = [];
      const grown = new Map<number, number>();
      for (const { job, index } of slots) {
        if (isolated) await db.execute('SAVEPOINT job');
        try {
          const grew = await job.run(db);
          if (isolated) await db.execute('RELEASE SAVEPOINT job');
          if (grew !== undefined) grown.set(grew.feedId, Math.max(grew.lastSeq, grown.get(grew.feedId) ?? 0));
          results[index] = true;
        } catch (error) {
          // A refused append is that job's answer alone; a lost database or a deadlock is the batch's.
          if (!(error instanceof AppendRejectedError) && (adapter.isUnavailable(error) || adapter.isTransient(error))) throw error;
          if (!isolated) {
            await db.execute('ROLLBACK');
            return slots.length === 1 ? [toError(error)] : undefined;
          }
          await db.execute('ROLLBACK TO SAVEPOINT job');
          await db.execute('RELEASE SAVEPOINT job');
          results[index] = toError(error);
        }
      }
      if (grown.size > 0) await this.signals.announce(db, grown);
      await db.execute('COMMIT');
      return results;
    } catch (error) {
      // A lost connection cannot roll back; the driver discards it (or, for a file, rolls back).
      if (adapter.isUnavailable(error)) broken = error;
      else await db.execute('ROLLBACK').catch((failure: unknown) => { broken = failure; });
      throw error;
    } finally {
      await driver.release(db, broken);
    }
  }
}

function compareKeys(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}
