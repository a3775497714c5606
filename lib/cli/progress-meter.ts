/**
 * Shows an import's progress on stderr. On a terminal: one line redrawn in place, with a bar,
 * the rate and the time left. Otherwise (a log file, a pipe): a plain line after a batch, at
 * most four a second, and one at the end.
 */
export class ProgressMeter {
  private readonly started = Date.now();
  private lastShown = 0;

  /**
   * @param total entries in the whole import.
   * @param already entries stored by earlier runs, which this run's rate leaves out.
   */
  constructor(private readonly total: number, private readonly already: number, private readonly isTty: boolean = process.stderr.isTTY === true) {}

  /** Reports that `done` entries of the whole import are stored. */
  update(done: number, isFinal = false): void {
    const now = Date.now();
    if (!isFinal && now - this.lastShown < (this.isTty ? 100 : 250)) return;
    this.lastShown = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = (done - this.already) / seconds;
    const percent = this.total === 0 ? 100 : Math.floor((done / this.total) * 100);
    const eta = rate > 0 ? formatSeconds((this.total - done) / rate) : '?';
    const figures = `${done}/${this.total} entries (${percent}%), ${Math.round(rate)} entries/s, ETA ${eta}`;
    if (this.isTty) {
      const width = 30;
      const filled = this.total === 0 ? width : Math.floor((done / this.total) * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${figures}\x1b[K${isFinal ? '\n' : ''}`);
    } else {
      process.stderr.write(`import: ${figures}\n`);
    }
  }

  /** Entries per second stored by this run so far. */
  rate(done: number): number {
    return (done - this.already) / Math.max((Date.now() - this.started) / 1000, 0.001);
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
