import type { Pool } from 'mysql2/promise';
import { GroupCommit, committedResult } from '../group-commit.js';
import { AppendRejectedError } from '../store.js';
import { isTransient, isUnavailable, wrapError, type ServerAddress } from './errors.js';
import type { Queryable } from './migrate.js';

/** How often a batch that InnoDB rolled back for a deadlock is run again. */
const MAX_ATTEMPTS = 3;

/** Work for a group-committed transaction. */
interface WriteJob {
  /** The name_key of the feed the work locks; a batch runs its jobs in this order, unkeyed last. */
  readonly lockKey: string | undefined;
  run(db: Queryable): Promise<void>;
}

/**
 * The write side of the MySQL store: every write (appends and feed administration) shares one
 * group commit on one dedicated connection, each job in its own savepoint.
 */
export class MysqlWriter {
  private readonly batches = new GroupCommit<WriteJob, true>((jobs) => this.commitBatch(jobs));

  constructor(private readonly pool: Pool, private readonly address: ServerAddress) {}

  /**
   * Runs `work` in the next transaction, after the jobs that lock feeds sorting before `lockKey`,
   * and resolves with its result once committed.
   */
  async write<R>(lockKey: string | undefined, work: (db: Queryable) => Promise<R>): Promise<R> {
    return committedResult((keep) => this.batches.submit({ lockKey, run: async (db) => { keep(await work(db)); } }));
  }

  /** Closes the connection. */
  end(): Promise<void> {
    return this.pool.end();
  }

  private async commitBatch(jobs: readonly WriteJob[]): Promise<Array<true | Error>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.commitOnce(jobs);
      } catch (error) {
        if (!isTransient(error) || attempt >= MAX_ATTEMPTS) throw wrapError('unable to commit', error, this.address);
      }
    }
  }

  /** Commits a batch in one transaction, each job inside its own savepoint. */
  private async commitOnce(jobs: readonly WriteJob[]): Promise<Array<true | Error>> {
    const connection = await this.pool.getConnection();
    let isBroken = false;
    try {
      await connection.query('START TRANSACTION');
      const results: Array<true | Error> = [];
      for (const { job, index } of inLockOrder(jobs)) {
        // Setting a savepoint of an existing name replaces it, so none needs releasing.
        await connection.query('SAVEPOINT job');
        try {
          await job.run(connection);
          results[index] = true;
        } catch (error) {
          // A refused append is that job's answer alone: undo its savepoint, keep the batch.
          if (!(error instanceof AppendRejectedError) && (isUnavailable(error) || isTransient(error))) throw error;
          await connection.query('ROLLBACK TO SAVEPOINT job');
          results[index] = error instanceof Error ? error : new Error(String(error));
        }
      }
      await connection.query('COMMIT');
      return results;
    } catch (error) {
      isBroken = isUnavailable(error);
      if (!isBroken) await connection.query('ROLLBACK').catch(() => { isBroken = true; });
      throw error;
    } finally {
      if (isBroken) connection.destroy();
      else connection.release();
    }
  }
}

/** The jobs in lockKey order (stable, unkeyed last), so every transaction locks feeds in one order. */
function inLockOrder(jobs: readonly WriteJob[]): Array<{ job: WriteJob; index: number }> {
  return jobs.map((job, index) => ({ job, index })).sort((a, b) => compareKeys(a.job.lockKey, b.job.lockKey) || a.index - b.index);
}

function compareKeys(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}
