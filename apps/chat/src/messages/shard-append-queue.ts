/**
 * Coalesces the appends of many conversations bound for one database: while
 * `maxInFlight` statements are running, new appends wait and the next statement
 * takes them all (up to `maxRows` messages). An idle queue starts its statement at the
 * end of the event-loop turn (setImmediate), not at the first append: a gateway's sends
 * of one turn reach the chat node in one NATS read, and their appends are all submitted
 * within that turn, so they share the statement instead of the first going alone and the
 * rest waiting for it. Under load one commit carries many conversations' batches, which
 * is what keeps the cost per message down (one round trip, one WAL flush, one write syscall).
 */
export class ShardAppendQueue<Job extends { rows: number }, Outcome> {
  private readonly pending: Array<{ job: Job; resolve(outcome: Outcome): void; reject(err: unknown): void }> = [];
  private inFlight = 0;
  private startScheduled = false;

  constructor(
    private readonly write: (jobs: Job[]) => Promise<Outcome[]>,
    private readonly maxInFlight: number,
    private readonly maxRows: number,
  ) {}

  submit(job: Job): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      if (this.inFlight < this.maxInFlight && !this.startScheduled) {
        this.startScheduled = true;
        setImmediate(() => {
          this.startScheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.pending.length > 0) {
      const taken = this.take();
      this.inFlight++;
      this.write(taken.map((t) => t.job))
        .then(
          (outcomes) => taken.forEach((t, i) => t.resolve(outcomes[i])),
          (err: unknown) => taken.forEach((t) => t.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  /** At least one job, then more while they fit in maxRows. */
  private take() {
    let rows = 0;
    let count = 0;
    while (count < this.pending.length && (count === 0 || rows + this.pending[count].job.rows <= this.maxRows)) {
      rows += this.pending[count].job.rows;
      count++;
    }
    return this.pending.splice(0, count);
  }
}
