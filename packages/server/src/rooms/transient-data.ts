import type { ServerMessage, TransientBody } from '@spreed-ts/protocol';
import { jsonEqual } from './json.js';
import { type Cancel, realScheduler, type Scheduler } from './scheduler.js';

/** Prefix of the per-session keys (`sd:<public id>`) that only their session may change. */
export const SESSION_DATA_PREFIX = 'sd:';

/** Receives transient data notifications (already serialised, one text for all listeners). */
export interface TransientListener {
  sendText(text: string): void;
}

/** Nanoseconds (Go durations on the wire) to timer milliseconds, rounded up. */
export function nanosToMillis(ns: number): number {
  return Math.max(1, Math.ceil(ns / 1_000_000));
}

/**
 * The transient data of one room: a key/value store whose changes are pushed to every listening
 * session, with optional per-key expiry. Mirrors upstream's TransientData: a set with a value equal
 * to the stored one only refreshes (or clears) the expiry, an expiry only removes the key if it
 * still holds the value it was set with, and a new listener gets everything as one `initial` frame.
 */
export class TransientData {
  readonly #entries = new Map<string, unknown>();
  readonly #timers = new Map<string, Cancel>();
  /** When keys with a TTL expire (ms since the epoch), for handing the data to other servers. */
  readonly #expires = new Map<string, number>();
  readonly #listeners = new Set<TransientListener>();
  readonly #scheduler: Scheduler;

  constructor(scheduler: Scheduler = realScheduler) {
    this.#scheduler = scheduler;
  }

  /** Number of stored keys. */
  get size(): number {
    return this.#entries.size;
  }

  /** The stored value of `key`. */
  get(key: string): unknown {
    return this.#entries.get(key);
  }

  /** A copy of all entries. */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries(this.#entries);
  }

  /**
   * All entries with their remaining lifetime in nanoseconds (0 = none), as another server that
   * creates the room gets them.
   */
  entries(): Array<{ key: string; value: unknown; ttl: number }> {
    const now = Date.now();
    const result: Array<{ key: string; value: unknown; ttl: number }> = [];
    for (const [key, value] of this.#entries) {
      const expires = this.#expires.get(key);
      const ttl = expires === undefined ? 0 : Math.max(1, expires - now) * 1_000_000;
      result.push({ key, value, ttl });
    }
    return result;
  }

  /** Adds a listener; it immediately receives the current data, if any. */
  addListener(listener: TransientListener): void {
    this.#listeners.add(listener);
    if (this.#entries.size > 0) {
      listener.sendText(this.#frame({ type: 'initial', data: this.snapshot() }));
    }
  }

  /** Removes a listener. */
  removeListener(listener: TransientListener): void {
    this.#listeners.delete(listener);
  }

  /**
   * Sets `key`. A missing or null value removes it. `ttlNs` > 0 makes the entry expire. Returns
   * whether listeners were notified.
   */
  set(key: string, value: unknown, ttlNs = 0): boolean {
    if (value === undefined || value === null) {
      return this.remove(key);
    }
    const found = this.#entries.has(key);
    const previous = this.#entries.get(key);
    if (found && jsonEqual(previous, value)) {
      this.#schedule(key, value, ttlNs);
      return false;
    }
    this.#entries.set(key, value);
    // Upstream's key order: type, key, oldvalue, value.
    this.#notify(
      found ? { type: 'set', key, oldvalue: previous, value } : { type: 'set', key, value },
    );
    this.#schedule(key, value, ttlNs);
    return true;
  }

  /** Removes `key`; returns whether it existed. */
  remove(key: string): boolean {
    if (!this.#entries.has(key)) {
      return false;
    }
    const previous = this.#entries.get(key);
    this.#entries.delete(key);
    this.#cancel(key);
    this.#notify({ type: 'remove', key, oldvalue: previous });
    return true;
  }

  /** Drops everything without notifying anyone (the room is gone). */
  close(): void {
    for (const cancel of this.#timers.values()) {
      cancel();
    }
    this.#timers.clear();
    this.#expires.clear();
    this.#entries.clear();
    this.#listeners.clear();
  }

  #schedule(key: string, value: unknown, ttlNs: number): void {
    this.#cancel(key);
    if (!(ttlNs > 0)) {
      return;
    }
    const ms = nanosToMillis(ttlNs);
    this.#expires.set(key, Date.now() + ms);
    const cancel = this.#scheduler.after(ms, () => {
      this.#timers.delete(key);
      this.#expires.delete(key);
      if (this.#entries.has(key) && jsonEqual(this.#entries.get(key), value)) {
        this.remove(key);
      }
    });
    this.#timers.set(key, cancel);
  }

  #cancel(key: string): void {
    this.#expires.delete(key);
    const cancel = this.#timers.get(key);
    if (cancel) {
      cancel();
      this.#timers.delete(key);
    }
  }

  #frame(transient: TransientBody): string {
    return JSON.stringify({ type: 'transient', transient } satisfies ServerMessage);
  }

  #notify(body: TransientBody): void {
    if (this.#listeners.size === 0) {
      return;
    }
    const text = this.#frame(body);
    for (const listener of this.#listeners) {
      listener.sendText(text);
    }
  }
}
