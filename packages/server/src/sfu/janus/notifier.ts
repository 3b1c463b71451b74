/** A registration for one key: resolves once the key is signalled after it was made. */
export interface NotifierWaiter {
  /** Resolves true when signalled since the last wait (or now), false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean>;
  /** Forgets the registration. */
  release(): void;
}

interface Entry {
  signalled: boolean;
  wake: (() => void) | undefined;
}

/**
 * Keyed one-shot signals: register first, then do the work that may trigger the signal, then wait.
 * A signal between registering and waiting is not lost.
 */
export class Notifier {
  readonly #waiters = new Map<string, Set<Entry>>();

  /** Registers interest in the next signal of `key`. */
  register(key: string): NotifierWaiter {
    const entry: Entry = { signalled: false, wake: undefined };
    let set = this.#waiters.get(key);
    if (set === undefined) {
      set = new Set();
      this.#waiters.set(key, set);
    }
    set.add(entry);
    const release = () => {
      const current = this.#waiters.get(key);
      current?.delete(entry);
      if (current?.size === 0) {
        this.#waiters.delete(key);
      }
    };
    return {
      wait: (timeoutMs) => {
        if (entry.signalled) {
          // Consumed: the next wait needs a new signal.
          entry.signalled = false;
          return Promise.resolve(true);
        }
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            entry.wake = undefined;
            resolve(false);
          }, timeoutMs);
          entry.wake = () => {
            clearTimeout(timer);
            entry.wake = undefined;
            entry.signalled = false;
            resolve(true);
          };
        });
      },
      release,
    };
  }

  /** Signals every current registration of `key`. */
  notify(key: string): void {
    for (const entry of this.#waiters.get(key) ?? []) {
      entry.signalled = true;
      entry.wake?.();
    }
  }

  /** Number of keys with registrations (tests). */
  get size(): number {
    return this.#waiters.size;
  }
}
