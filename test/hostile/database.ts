import { SqliteConnection } from '../../lib/storage/sqlite/connection.js';

/**
 * What is stored, read straight from the SQLite file the targets share, so "no stored data
 * altered" does not depend on the server's own answers.
 */
export interface StoredState {
  /** The tables, by name: a DROP TABLE would show here. */
  readonly tables: readonly string[];
  /** Every feed row, serialized. */
  readonly feeds: readonly string[];
  /** Every entry row, serialized (feed, seq, atom:id, stored xml). */
  readonly entries: readonly string[];
}

/** A read-only view of the shared database. */
export class StoredData {
  private constructor(private readonly connection: SqliteConnection) {}

  /** Opens the database file the targets write. */
  static async open(path: string): Promise<StoredData> {
    return new StoredData(await SqliteConnection.open(path, 5_000));
  }

  /** Reads every table name, feed row and entry row. */
  async read(): Promise<StoredState> {
    const tables = (await this.connection.all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")).map(rowText);
    const feeds = (await this.connection.all('SELECT * FROM atommq_feed ORDER BY id')).map(rowText);
    const entries = (await this.connection.all('SELECT * FROM atommq_entry ORDER BY feed_id, seq')).map(rowText);
    return { tables, feeds, entries };
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.connection.close();
  }
}

function rowText(row: unknown): string {
  return JSON.stringify(row);
}
