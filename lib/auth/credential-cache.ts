import { createHmac, randomBytes } from 'node:crypto';

/** Limits of a {@link CredentialCache}. */
export interface CredentialCacheOptions {
  /** The most verified logins kept; the oldest goes first (default 1000). */
  readonly maxEntries?: number;
  /** How long a verified login is trusted without a new check, in ms (default 60 s). */
  readonly ttlMs?: number;
  /** The clock in ms (injectable for tests). */
  readonly now?: () => number;
}

/**
 * Remembers recently verified logins, so that a consumer polling with Basic credentials pays for
 * bcrypt (about 100 ms at cost 10) once a minute rather than on every request. Entries are keyed
 * by an HMAC of user and password under a key made at start-up, so the cache holds no password
 * and nothing that could be checked against a guess outside this process. Only successes are
 * kept, and concurrent checks of the same login share one computation.
 */
export class CredentialCache {
  private readonly secret = randomBytes(32);
  private readonly verified = new Map<string, number>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: CredentialCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The number of logins remembered now. */
  get size(): number {
    return this.verified.size;
  }

  /** Returns true when the login was verified recently; otherwise runs `check` and remembers a success. */
  async verify(user: string, password: string, check: () => Promise<boolean>): Promise<boolean> {
    const key = this.keyOf(user, password);
    const expires = this.verified.get(key);
    if (expires !== undefined && expires > this.now()) return true;
    this.verified.delete(key);
    let result = this.pending.get(key);
    if (result === undefined) {
      result = check().finally(() => this.pending.delete(key));
      this.pending.set(key, result);
    }
    const isValid = await result;
    if (isValid) this.remember(key);
    return isValid;
  }

  private remember(key: string): void {
    this.verified.delete(key);
    this.verified.set(key, this.now() + this.ttlMs);
    // A Map iterates in insertion order, so the first key is the oldest (and soonest to expire).
    for (const oldest of this.verified.keys()) {
      if (this.verified.size <= this.maxEntries) break;
      this.verified.delete(oldest);
    }
  }

  /** The user's length first, so that no two (user, password) pairs share a key. */
  private keyOf(user: string, password: string): string {
    return createHmac('sha256', this.secret).update(`${user.length}:${user}:${password}`, 'utf8').digest('base64');
  }
}
