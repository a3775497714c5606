import type { Authenticator } from '../auth/identity.js';
import type { Store } from '../storage/store.js';

/** Settings that shape responses. Every field has a flag and an environment variable (see cli). */
export interface Config {
  /** Single-feed mode: the script is this feed. Undefined: multi-feed mode (`/feeds/{name}`). */
  readonly feed: string | undefined;
  /** The most entries one feed page holds (default 1000). `?limit=N` asks for fewer. */
  readonly pageSize: number;
  /** The largest request body accepted, in bytes (default 1 MiB); larger is a 413. */
  readonly maxBodyBytes: number;
  /** The feed-level `atom:author` name, and the author given to entries that have none. */
  readonly author: string;
  /** The title of the service document's workspace. */
  readonly title: string;
  /** Long polling: the most seconds a `Prefer: wait=N` read may wait (default 30). */
  readonly maxWaitSeconds: number;
  /** How long an `Idempotency-Key` is remembered, in seconds (default 24 h). */
  readonly idempotencySeconds: number;
  /** The most entries one batch POST may hold (default 1000); more is a 413. */
  readonly maxBatchEntries: number;
  /**
   * Origins (`https://app.example`) whose pages may POST, PUT and DELETE here and read answers
   * through CORS, besides the server's own; default none.
   */
  readonly allowedOrigins: readonly string[];
}

/** The defaults of {@link Config}. */
export const DEFAULT_CONFIG: Config = {
  feed: undefined,
  pageSize: 1000,
  maxBodyBytes: 1024 * 1024,
  author: 'AtomMQ',
  title: 'AtomMQ',
  maxWaitSeconds: 30,
  idempotencySeconds: 24 * 60 * 60,
  maxBatchEntries: 1000,
  allowedOrigins: [],
};

/** What the core needs from the outside world; adapters and tests provide it. */
export interface Deps {
  readonly store: Store;
  readonly config: Config;
  /** The current time (injectable for tests). */
  readonly now: () => Date;
  /** A new random UUID, for `atom:id`. */
  readonly newUuid: () => string;
  /** Where real faults are reported: stderr, i.e. the web server's error log. */
  readonly logError: (message: string) => void;
  /** Authentication and per-feed access rules; undefined: everything is open to everyone. */
  readonly auth?: Authenticator | undefined;
}

/** The request body as the adapter delivers it: a stream of byte chunks. */
export type BodySource = AsyncIterable<Uint8Array>;
