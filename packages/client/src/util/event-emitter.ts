/** Event names mapped to their argument tuples, e.g. `{ closed: [error: Error | undefined] }`. */
export type EventMap<T> = { [K in keyof T]: unknown[] };

type Listener<T extends EventMap<T>, K extends keyof T> = (...args: T[K]) => void;

/**
 * @internal The key of the method behind `safeEmit`: calls every listener even when one throws,
 * and reports the exception (or a listener's rejected promise) instead of propagating it.
 */
export const emitContained = Symbol('emitContained');

interface Entry {
  listener: unknown;
  once: boolean;
}

/**
 * The typed event emitter of every client class: the `node:events` `EventEmitter` API (`on`,
 * `once`, `off`, `emit`, `listeners`, `listenerCount`, …) without `node:events`, so the SDK runs
 * in browsers unchanged. Node's `events.once(emitter, name)` and `events.on(emitter, name)` work
 * with it. Unlike Node's emitter, an `error` event without listeners is not thrown (no client
 * class emits one) and there is no max-listeners warning.
 */
export class EventEmitter<T extends EventMap<T>> {
  readonly #events = new Map<keyof T, Entry[]>();

  /** Adds `listener` for `event`. */
  on<K extends keyof T>(event: K, listener: Listener<T, K>): this {
    return this.#add(event, listener, false, false);
  }

  /** Alias of {@link on}. */
  addListener<K extends keyof T>(event: K, listener: Listener<T, K>): this {
    return this.#add(event, listener, false, false);
  }

  /** Adds `listener` for the next `event` only. */
  once<K extends keyof T>(event: K, listener: Listener<T, K>): this {
    return this.#add(event, listener, true, false);
  }

  /** Adds `listener` before the others. */
  prependListener<K extends keyof T>(event: K, listener: Listener<T, K>): this {
    return this.#add(event, listener, false, true);
  }

  /** Adds `listener` before the others, for the next `event` only. */
  prependOnceListener<K extends keyof T>(event: K, listener: Listener<T, K>): this {
    return this.#add(event, listener, true, true);
  }

  /** Removes the most recently added registration of `listener` for `event`. */
  off<K extends keyof T>(event: K, listener: Listener<T, K>): this {
    const entries = this.#events.get(event);
    if (entries === undefined) {
      return this;
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i]?.listener === listener) {
        entries.splice(i, 1);
        break;
      }
    }
    if (entries.length === 0) {
      this.#events.delete(event);
    }
    return this;
  }

  /** Alias of {@link off}. */
  removeListener<K extends keyof T>(event: K, listener: Listener<T, K>): this {
    return this.off(event, listener);
  }

  /** Removes every listener of `event`, or of all events. */
  removeAllListeners(event?: keyof T): this {
    if (event === undefined) {
      this.#events.clear();
    } else {
      this.#events.delete(event);
    }
    return this;
  }

  /**
   * Calls the listeners of `event` in order with `args`; returns whether there were any. A
   * throwing listener stops the others and the exception propagates (as in Node).
   */
  emit<K extends keyof T>(event: K, ...args: T[K]): boolean {
    const entries = this.#events.get(event);
    if (entries === undefined || entries.length === 0) {
      return false;
    }
    for (const entry of [...entries]) {
      if (entry.once) {
        this.#removeEntry(event, entry);
      }
      (entry.listener as Listener<T, K>)(...args);
    }
    return true;
  }

  /** @internal See {@link emitContained}. */
  [emitContained]<K extends keyof T>(
    onListenerError: ((error: unknown) => void) | undefined,
    event: K,
    args: T[K],
  ): void {
    for (const entry of [...(this.#events.get(event) ?? [])]) {
      if (entry.once) {
        this.#removeEntry(event, entry);
      }
      try {
        const result: unknown = (entry.listener as (...a: T[K]) => unknown)(...args);
        if (result instanceof Promise) {
          result.catch((error: unknown) => onListenerError?.(error));
        }
      } catch (error) {
        onListenerError?.(error);
      }
    }
  }

  /** The listeners of `event`, in call order. */
  listeners<K extends keyof T>(event: K): Array<Listener<T, K>> {
    return (this.#events.get(event) ?? []).map((e) => e.listener as Listener<T, K>);
  }

  /** Like {@link listeners} (no `once` wrappers exist to unwrap). */
  rawListeners<K extends keyof T>(event: K): Array<Listener<T, K>> {
    return this.listeners(event);
  }

  /** How many listeners `event` has (counting only `listener` when given). */
  listenerCount<K extends keyof T>(event: K, listener?: Listener<T, K>): number {
    const entries = this.#events.get(event) ?? [];
    return listener === undefined
      ? entries.length
      : entries.filter((e) => e.listener === listener).length;
  }

  /** The events that have listeners. */
  eventNames(): Array<keyof T> {
    return [...this.#events.keys()];
  }

  /** Accepted for compatibility with Node's emitter; there is no limit. */
  setMaxListeners(_n: number): this {
    return this;
  }

  /** Always `Infinity`: there is no limit. */
  getMaxListeners(): number {
    return Number.POSITIVE_INFINITY;
  }

  #add(event: keyof T, listener: unknown, once: boolean, first: boolean): this {
    if (typeof listener !== 'function') {
      throw new TypeError('listener must be a function');
    }
    let entries = this.#events.get(event);
    if (entries === undefined) {
      entries = [];
      this.#events.set(event, entries);
    }
    const entry = { listener, once };
    if (first) {
      entries.unshift(entry);
    } else {
      entries.push(entry);
    }
    return this;
  }

  #removeEntry(event: keyof T, entry: Entry): void {
    const entries = this.#events.get(event);
    const index = entries?.indexOf(entry) ?? -1;
    if (entries !== undefined && index !== -1) {
      entries.splice(index, 1);
      if (entries.length === 0) {
        this.#events.delete(event);
      }
    }
  }
}
