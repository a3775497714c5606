import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';

/**
 * Tells when another connection may have committed to a SQLite database in WAL mode, without
 * polling: every commit appends frames to the `-wal` file, and the kernel reports the write
 * (inotify on Linux). Each sign is only a hint: the store then checks `PRAGMA data_version` and
 * the feeds' counters, so a spurious event costs one cheap query and a missed one (a file system
 * without change events, the file replaced) is caught by the slow safety poll.
 */
export class WalWatch {
  private watcher: FSWatcher | undefined;
  private isClosed = false;

  constructor(private readonly databasePath: string, private readonly onChange: () => void) {}

  /** Starts watching, if not already; harmless to call on every wait. */
  ensure(): void {
    if (this.watcher !== undefined || this.isClosed) return;
    try {
      const watcher = watch(`${this.databasePath}-wal`, { persistent: false }, (event) => {
        this.onChange();
        // The file was removed or replaced (the last connection closed it, or a checkpoint in
        // TRUNCATE mode): watch the new one from the next wait on.
        if (event === 'rename') this.drop(watcher);
      });
      watcher.on('error', () => this.drop(watcher));
      this.watcher = watcher;
    } catch {
      // No -wal file yet, or no change events here: the safety poll alone notices other heads.
    }
  }

  close(): void {
    this.isClosed = true;
    if (this.watcher !== undefined) this.drop(this.watcher);
  }

  private drop(watcher: FSWatcher): void {
    watcher.close();
    if (this.watcher === watcher) this.watcher = undefined;
  }
}
