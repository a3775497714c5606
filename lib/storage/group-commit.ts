/**
 * Group commit: jobs submitted while a transaction is in flight wait, then all go into the next
 * transaction together, so many publishers share one fsync. Each job's promise settles only after
 * the transaction that holds it has committed (or failed), so a 201 still means "durable".
 *
 * The commit function runs at most one batch at a time and returns, per job, its result or the
 * error that job alone caused (a store isolates jobs with savepoints).
 */
export class GroupCommit<Job, Result> {
  private pending: Array<{ job: Job; resolve: (r: Result) => void; reject: (e: unknown) => void }> = [];
  private isRunning = false;

  constructor(
    private readonly commitBatch: (jobs: readonly Job[]) => Promise<ReadonlyArray<Result | Error>>,
    private readonly maxBatch = 512,
  ) {}

  /** Queues `job` for the next transaction and resolves with its result once committed. */
  submit(job: Job): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      this.startNext();
    });
  }

  private startNext(): void {
    if (this.isRunning || this.pending.length === 0) return;
    this.isRunning = true;
    const batch = this.pending.splice(0, this.maxBatch);
    this.commitBatch(batch.map((p) => p.job))
      .then(
        (results) => batch.forEach((p, i) => {
          const result = results[i];
          if (result instanceof Error) p.reject(result);
          else if (result === undefined) p.reject(new Error('group commit returned no result for a job'));
          else p.resolve(result);
        }),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        this.isRunning = false;
        this.startNext();
      });
  }
}

/**
 * Runs one job through a queue whose jobs report nothing back, and resolves with the value the
 * job handed to `keep` once the queue says it committed. Every store's writer uses it to return
 * what its work computed (an append's rows, a prune's count) from a group-committed transaction.
 */
export async function committedResult<R>(enqueue: (keep: (value: R) => void) => Promise<unknown>): Promise<R> {
  const box: { outcome?: { value: R } } = {};
  await enqueue((value) => { box.outcome = { value }; });
  const outcome = box.outcome;
  if (outcome === undefined) throw new Error('store: a write job finished without a result');
  return outcome.value;
}
