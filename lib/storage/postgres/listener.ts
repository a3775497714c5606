import pg from 'pg';

/** The channel every append transaction NOTIFYs on; the payload is `feedId:lastSeq`. */
export const APPEND_CHANNEL = 'atommq_append';

/** The least time between attempts to LISTEN; how often a safety check runs while listening; how long a probe may take. */
const RECONNECT_MS = 1_000;
const SAFETY_CHECK_MS = 2_000;
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Turns other heads' commits into `onAppend(feedId, lastSeq)` calls with PostgreSQL LISTEN/NOTIFY,
 * on one dedicated connection (LISTEN belongs to a session) opened on the first long poll; when
 * it fails it is dropped and reopened on a later `ensure`. NOTIFY reaches only sessions listening
 * at COMMIT, so the watcher's poll asks {@link mayHaveMissed} each tick: true while not listening,
 * once after LISTEN takes effect (covering the gap), and every {@link SAFETY_CHECK_MS} otherwise,
 * which bounds the delay of a lost notification. Each safety check also probes the connection:
 * one that died silently (a NAT that forgot it) is reopened, and the probe keeps it from idling.
 */
export class AppendListener {
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private lastAttempt = 0;
  /** Counts the times LISTEN took effect; compared with the generation last reported. */
  private generation = 0;
  private reportedGeneration = 0;
  private lastCheck = 0;
  private isClosed = false;

  constructor(private readonly options: pg.ClientConfig, private readonly onAppend: (feedId: number, lastSeq: number) => void) {}

  /** Starts listening unless it already is, is connecting, or failed less than a second ago. */
  ensure(): void {
    if (this.isClosed || this.client !== undefined || this.connecting !== undefined) return;
    if (Date.now() - this.lastAttempt < RECONNECT_MS) return;
    this.lastAttempt = Date.now();
    this.connecting = this.connect().finally(() => { this.connecting = undefined; });
  }

  /** True when a commit may have gone unannounced since the last call (see the class comment). */
  mayHaveMissed(): boolean {
    this.ensure();
    const client = this.client;
    if (client === undefined) return true;
    const now = Date.now();
    if (this.reportedGeneration === this.generation && now - this.lastCheck < SAFETY_CHECK_MS) return false;
    this.reportedGeneration = this.generation;
    this.lastCheck = now;
    this.probe(client);
    return true;
  }

  /** Closes the connection; nothing is reopened afterwards. */
  async close(): Promise<void> {
    this.isClosed = true;
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.options);
    // A dropped connection emits 'error' and then 'end'; either one retires this client.
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    client.on('notification', (message) => {
      const match = message.channel === APPEND_CHANNEL ? /^(\d+):(\d+)$/.exec(message.payload ?? '') : null;
      if (match) this.onAppend(Number(match[1]), Number(match[2]));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${APPEND_CHANNEL}`);
      if (this.isClosed) throw new Error('closed meanwhile');
    } catch {
      // Unreachable now: the watcher keeps polling, and a later tick tries again.
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.generation += 1;
  }

  private probe(client: pg.Client): void {
    const timer = setTimeout(() => this.drop(client), PROBE_TIMEOUT_MS);
    timer.unref();
    client.query('SELECT 1').finally(() => clearTimeout(timer)).catch(() => this.drop(client));
  }

  private drop(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
  }
}
