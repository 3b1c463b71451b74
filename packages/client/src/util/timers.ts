import { ClientError } from './client-error.js';

/** Resolves after `ms`, or rejects with the signal's reason when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Races `promise` against a timer; rejects with `ClientError.timeout(what)` when it fires. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(ClientError.timeout(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve and reject functions. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
  readonly settled: boolean;
}

/** Creates a {@link Deferred}; a rejection nobody awaits is not reported as unhandled. */
export function deferred<T>(): Deferred<T> {
  let settled = false;
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return {
    promise,
    resolve(value) {
      settled = true;
      resolve(value);
    },
    reject(reason) {
      settled = true;
      reject(reason);
    },
    get settled() {
      return settled;
    },
  };
}

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay; default 1000 ms. */
  initialMs?: number;
  /** Largest delay; default 16 000 ms. */
  maxMs?: number;
  /** Relative jitter, 0.5 = ±50 %; default 0.5. */
  jitter?: number;
  /** Random source in [0, 1); default Math.random (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Reconnect delays like the Talk web client's signaling `reconnect()`: start at 1 s, double up to
 * 16 s, each delay spread by ±50 % so that many clients do not reconnect in lockstep.
 */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #current: number;
  #attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initial = options.initialMs ?? 1000;
    this.#max = options.maxMs ?? 16_000;
    this.#jitter = options.jitter ?? 0.5;
    this.#random = options.random ?? Math.random;
    this.#current = this.#initial;
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The next delay in ms; doubles the base for the one after. */
  next(): number {
    const base = this.#current;
    this.#current = Math.min(this.#max, this.#current * 2);
    this.#attempts++;
    const spread = base * this.#jitter * (this.#random() * 2 - 1);
    return Math.max(0, Math.round(base + spread));
  }

  /** Starts over at the initial delay (after a successful connect). */
  reset(): void {
    this.#current = this.#initial;
    this.#attempts = 0;
  }
}
