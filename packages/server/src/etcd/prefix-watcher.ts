import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { EtcdClient, EtcdWatch, EtcdWatchEvent } from './etcd-client.js';

/** Largest value accepted by default (bytes); backend entries and PEM keys are far smaller. */
export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024;
/** Most keys tracked under one prefix by default. */
export const DEFAULT_MAX_KEYS = 10_000;

/** Delays between attempts while etcd cannot be read (upstream: 1 s, doubling up to 8 s). */
export interface RetryDelays {
  initialMs: number;
  maxMs: number;
}

const DEFAULT_RETRY: RetryDelays = { initialMs: 1000, maxMs: 8000 };

/** Options of {@link PrefixWatcher}. */
export interface PrefixWatcherOptions<T> {
  client: EtcdClient;
  prefix: string;
  logger: Logger;
  /**
   * Turns a value (UTF-8 text) into what the consumer keeps; throws for an invalid value, which
   * is then logged and ignored (the key keeps its previous valid value, if any).
   */
  decode(key: string, text: string): T;
  /** Values larger than this are ignored (default {@link DEFAULT_MAX_VALUE_BYTES}). */
  maxValueBytes?: number;
  /** New keys beyond this many are ignored (default {@link DEFAULT_MAX_KEYS}). */
  maxKeys?: number;
  retry?: RetryDelays;
}

/** Events of a {@link PrefixWatcher}. */
export interface PrefixWatcherEvents<T> {
  /** A key got a new valid value (`previous` is undefined for a new key). */
  put: [key: string, value: T, previous: T | undefined];
  /** A key with a valid value was deleted (or vanished while etcd was away). */
  delete: [key: string, previous: T];
  /** The first complete read is applied. */
  synced: [];
}

interface Entry<T> {
  text: string;
  value: T;
}

/**
 * Keeps the valid values of all keys under a prefix, as upstream's etcd consumers do: a range
 * read, then a watch from the revision after it. When the watch breaks (etcd restarted, its data
 * replaced, connection lost) the prefix is read again, the difference to what is known is emitted
 * as `put`/`delete` events, and a new watch starts; until etcd answers, reads are retried with a
 * doubling delay. Values that are too large or do not decode are logged and ignored.
 */
export class PrefixWatcher<T> extends EventEmitter<PrefixWatcherEvents<T>> {
  readonly prefix: string;
  readonly #client: EtcdClient;
  readonly #logger: Logger;
  readonly #decode: (key: string, text: string) => T;
  readonly #maxValueBytes: number;
  readonly #maxKeys: number;
  readonly #retry: RetryDelays;
  readonly #entries = new Map<string, Entry<T>>();
  readonly #stop = new AbortController();
  #watch: EtcdWatch | undefined;
  #started = false;
  #synced = false;
  readonly #syncedPromise: Promise<void>;

  constructor(options: PrefixWatcherOptions<T>) {
    super();
    this.prefix = options.prefix;
    this.#client = options.client;
    this.#logger = options.logger;
    this.#decode = options.decode;
    this.#maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#syncedPromise = new Promise((resolve) => this.once('synced', resolve));
  }

  /** Starts reading and watching (once); events follow asynchronously. */
  start(): void {
    if (this.#started || this.#stop.signal.aborted) {
      return;
    }
    this.#started = true;
    this.#run().catch((err: unknown) => {
      // Not expected: every step handles its own errors. Logged rather than crashing the process.
      this.#logger.error('etcd watcher stopped', { prefix: this.prefix, error: String(err) });
    });
  }

  /** Resolves once the first complete read is applied (never, if etcd never answers). */
  synced(): Promise<void> {
    return this.#syncedPromise;
  }

  get isSynced(): boolean {
    return this.#synced;
  }

  /** The current valid values by key. */
  values(): ReadonlyMap<string, T> {
    return new Map([...this.#entries].map(([key, entry]) => [key, entry.value]));
  }

  get(key: string): T | undefined {
    return this.#entries.get(key)?.value;
  }

  /** Stops watching; no events follow. */
  close(): void {
    this.#stop.abort();
    this.#watch?.cancel();
    this.#watch = undefined;
  }

  get #closed(): boolean {
    return this.#stop.signal.aborted;
  }

  async #run(): Promise<void> {
    let delay = this.#retry.initialMs;
    const pause = async () => {
      await sleep(delay, undefined, { signal: this.#stop.signal }).catch(() => undefined);
      delay = Math.min(delay * 2, this.#retry.maxMs);
    };
    while (!this.#closed) {
      let revision: bigint;
      try {
        revision = await this.#resync();
      } catch (err) {
        if (this.#closed) {
          return;
        }
        this.#logger.warn('could not read etcd keys, retrying', {
          prefix: this.prefix,
          retryMs: delay,
          error: (err as Error).message,
        });
        await pause();
        continue;
      }
      if (this.#closed) {
        return;
      }
      delay = this.#retry.initialMs;
      if (!this.#synced) {
        this.#synced = true;
        this.emit('synced');
      }
      const error = await this.#watchFrom(revision + 1n);
      if (this.#closed) {
        return;
      }
      this.#logger.warn('etcd watch interrupted, reading the keys again', {
        prefix: this.prefix,
        retryMs: delay,
        error: error.message,
      });
      await pause();
    }
  }

  /** Reads the whole prefix and applies the difference; returns the revision read. */
  async #resync(): Promise<bigint> {
    const range = await this.#client.rangePrefix(this.prefix, this.#maxKeys);
    if (this.#closed) {
      return range.revision;
    }
    if (range.more) {
      this.#logger.warn('more etcd keys than allowed, ignoring the rest', {
        prefix: this.prefix,
        maxKeys: this.#maxKeys,
      });
    }
    const seen = new Set<string>();
    for (const { key, value } of range.kvs) {
      seen.add(key);
      this.#put(key, value);
    }
    // With `more`, keys past the limit were not read: only a complete read proves a deletion.
    if (!range.more) {
      for (const key of [...this.#entries.keys()]) {
        if (!seen.has(key)) {
          this.#delete(key);
        }
      }
    }
    return range.revision;
  }

  /** Watches until the watch breaks; resolves with the reason. */
  #watchFrom(revision: bigint): Promise<Error> {
    return new Promise((resolve) => {
      const watch = this.#client.watchPrefix(this.prefix, revision, {
        events: (_revision, events: EtcdWatchEvent[]) => {
          if (this.#closed) {
            return;
          }
          for (const event of events) {
            if (event.type === 'put') {
              this.#put(event.key, event.value);
            } else {
              this.#delete(event.key);
            }
          }
        },
        closed: (error) => {
          if (this.#watch === watch) {
            this.#watch = undefined;
          }
          resolve(error);
        },
      });
      this.#watch = watch;
      if (this.#closed) {
        watch.cancel();
      }
    });
  }

  #put(key: string, raw: Buffer): void {
    if (raw.length > this.#maxValueBytes) {
      this.#logger.warn('ignoring etcd value: too large', {
        key,
        bytes: raw.length,
        maxBytes: this.#maxValueBytes,
      });
      return;
    }
    const text = raw.toString('utf8');
    const previous = this.#entries.get(key);
    if (previous?.text === text) {
      return;
    }
    if (previous === undefined && this.#entries.size >= this.#maxKeys) {
      this.#logger.warn('ignoring etcd key: too many keys', { key, maxKeys: this.#maxKeys });
      return;
    }
    let value: T;
    try {
      value = this.#decode(key, text);
    } catch (err) {
      this.#logger.warn('ignoring invalid etcd value', {
        key,
        error: (err as Error).message,
        value: text.length > 200 ? `${text.slice(0, 200)}…` : text,
      });
      return;
    }
    this.#entries.set(key, { text, value });
    this.emit('put', key, value, previous?.value);
  }

  #delete(key: string): void {
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.emit('delete', key, previous.value);
    }
  }
}
