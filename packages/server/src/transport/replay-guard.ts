/**
 * Refuses backend requests that are sent again verbatim. Talk signs each request with a fresh
 * random (`Spreed-Signaling-Random`) and an HMAC over random and body, so a captured request stays
 * valid forever; upstream accepts it again. Remembering the randoms of authenticated requests for a
 * while lets a replay within that window be refused. Memory is bounded: past `capacity` entries the
 * oldest are forgotten first (a replay of those would then be accepted, as upstream does).
 */
export class ReplayGuard {
  readonly #windowMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  /** Random → when it may be forgotten; insertion order is expiry order (fixed window). */
  readonly #seen = new Map<string, number>();

  constructor(options: { windowMs?: number; capacity?: number; now?: () => number } = {}) {
    this.#windowMs = options.windowMs ?? DEFAULT_REPLAY_WINDOW_MS;
    this.#capacity = options.capacity ?? DEFAULT_REPLAY_CAPACITY;
    this.#now = options.now ?? Date.now;
  }

  /** Randoms currently remembered. */
  get size(): number {
    return this.#seen.size;
  }

  /**
   * Records `random` of an authenticated request. Returns false when it was seen within the window
   * (a replay), true when it is new.
   */
  admit(random: string): boolean {
    const now = this.#now();
    this.#expire(now);
    if (this.#seen.has(random)) {
      return false;
    }
    if (this.#seen.size >= this.#capacity) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) {
        this.#seen.delete(oldest);
      }
    }
    this.#seen.set(random, now + this.#windowMs);
    return true;
  }

  /**
   * Forgets `random` again: the request failed on our side (5xx), and Talk retries such requests
   * with the same headers.
   */
  forget(random: string): void {
    this.#seen.delete(random);
  }

  #expire(now: number): void {
    for (const [random, until] of this.#seen) {
      if (until > now) {
        return;
      }
      this.#seen.delete(random);
    }
  }
}

/** How long randoms are remembered: far beyond any backend request timeout. */
export const DEFAULT_REPLAY_WINDOW_MS = 10 * 60_000;

/** Randoms remembered at most (~10 MiB of 64-character strings). */
export const DEFAULT_REPLAY_CAPACITY = 100_000;
