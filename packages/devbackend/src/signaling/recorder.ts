import { EventEmitter } from 'node:events';

/** Events of a {@link Recorder}. */
export type RecorderEvents<T> = {
  /** A new entry was recorded. */
  record: [entry: T];
};

/** Thrown when {@link Recorder.waitFor} gives up. */
export class RecorderTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

/** Keeps entries in arrival order so tests can assert on them or wait for one. */
export class Recorder<T> extends EventEmitter<RecorderEvents<T>> {
  readonly #entries: T[] = [];
  readonly #what: string;

  constructor(what: string) {
    super();
    this.#what = what;
  }

  /** Everything recorded since the last {@link clear}. */
  get entries(): readonly T[] {
    return this.#entries;
  }

  /** Adds an entry. */
  push(entry: T): void {
    this.#entries.push(entry);
    this.emit('record', entry);
  }

  /** Forgets all entries. */
  clear(): void {
    this.#entries.length = 0;
  }

  /**
   * The first entry (already recorded or arriving later) that satisfies `predicate`; rejects with
   * a timeout error after `timeoutMs`.
   */
  waitFor(predicate: (entry: T) => boolean, timeoutMs = 5000): Promise<T> {
    const found = this.#entries.find(predicate);
    if (found !== undefined) {
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const onRecord = (entry: T): void => {
        if (predicate(entry)) {
          clearTimeout(timer);
          this.off('record', onRecord);
          resolve(entry);
        }
      };
      const timer = setTimeout(() => {
        this.off('record', onRecord);
        reject(new RecorderTimeoutError(`no matching ${this.#what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('record', onRecord);
    });
  }
}
