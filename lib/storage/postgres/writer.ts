import type pg from 'pg';
import { GroupCommit, committedResult } from '../group-commit.js';
import { AppendRejectedError } from '../store.js';
import { isTransient, isUnavailable, wrapError, type ServerAddress } from './errors.js';
import { APPEND_CHANNEL } from './listener.js';
import type { Queryable } from './migrate.js';

/** How often a batch that the server rolled back (deadlock, serialization failure) is run again. */
const MAX_ATTEMPTS = 3;

/** Where a committed job left a feed: announced to other heads with NOTIFY. */
export interface Appended {
  readonly feedId: number;
  readonly lastSeq: number;
}

/** Work for a group-committed transaction. */
interface WriteJob {
  /** The name_key of the feed the work locks; a batch runs its jobs in this order, unkeyed last. */
  readonly lockKey: string | undefined;
  run(db: Queryable): Promise<Appended | undefined>;
}

/**
 * The write side of the PostgreSQL store: every write (appends and feed administration) shares
 * one group commit on one dedicated connection, each job in its own savepoint.
 */
export class PostgresWriter {
  private readonly batches = new GroupCommit<WriteJob, true>((jobs) => this.commitBatch(jobs));

  constructor(private readonly pool: pg.Pool, private readonly address: ServerAddress) {}

  /**
   * Runs `work` in the next transaction, after the jobs that lock feeds sorting before `lockKey`,
   * and resolves with its result once committed. `announce` names what an append committed.
   */
  async write<R>(lockKey: string | undefined, work: (db: Queryable) => Promise<R>,
    announce: (result: R) => Appended | undefined = () => undefined): Promise<R> {
    return committedResult((keep) => this.batches.submit({
      lockKey,
      run: async (db) => {
        const value = await work(db);
        keep(value);
        return announce(value);
      },
    }));
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
    const client = await this.pool.connect();
    // pg emits 'error' on a checked-out client whose connection drops; the running query rejects
    // too and reports it, so the event only needs a listener that keeps the process alive.
    client.on('error', ignore);
    let broken: Error | undefined;
    try {
      // Explicit, whatever the server's default: each statement must see every earlier commit.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const results: Array<true | Error> = [];
      const appended = new Map<number, number>();
      for (const { job, index } of inLockOrder(jobs)) {
        await client.query('SAVEPOINT job');
        try {
          const grew = await job.run(client);
          await client.query('RELEASE SAVEPOINT job');
          if (grew !== undefined) appended.set(grew.feedId, Math.max(grew.lastSeq, appended.get(grew.feedId) ?? 0));
          results[index] = true;
        } catch (error) {
          // A refused append is that job's answer alone: undo its savepoint, keep the batch.
          if (!(error instanceof AppendRejectedError) && (isUnavailable(error) || isTransient(error))) throw error;
          await client.query('ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job');
          results[index] = error instanceof Error ? error : new Error(String(error));
        }
      }
      if (appended.size > 0) {
        // Queued now, delivered by PostgreSQL at COMMIT to every listening head, never on ROLLBACK.
        await client.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload',
          [APPEND_CHANNEL, [...appended].map(([feedId, lastSeq]) => `${feedId}:${lastSeq}`)]);
      }
      // COMMIT of an aborted transaction "succeeds" as ROLLBACK; never report that as durable.
      const commit = await client.query('COMMIT');
      if (commit.command !== 'COMMIT') throw new Error(`store: the transaction ended in ${commit.command}`);
      return results;
    } catch (error) {
      if (isUnavailable(error)) broken = error instanceof Error ? error : new Error(String(error));
      else await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(broken);
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

function ignore(): void {}
