/**
 * A push/pull queue that backs `AsyncIterable`s such as `status()`: producers `push`, a consumer
 * iterates; `end()` finishes iteration after the queued items. Several iterators may be created;
 * each `subscribe()` gets its own queue from {@link AsyncBroadcast}.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  readonly #waiters: Array<(result: IteratorResult<T>) => void> = [];
  #ended = false;
  readonly #onReturn: (() => void) | undefined;

  constructor(onReturn?: () => void) {
    this.#onReturn = onReturn;
  }

  /** Queues an item (ignored after `end()`). */
  push(item: T): void {
    if (this.#ended) {
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter({ value: item, done: false });
    } else {
      this.#items.push(item);
    }
  }

  /** Ends iteration once the queued items are consumed. */
  end(): void {
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) {
      waiter({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) {
      return Promise.resolve({ value: item, done: false });
    }
    if (this.#ended) {
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.#items.length = 0;
    this.end();
    this.#onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** Fans items out to every live {@link AsyncQueue} subscriber. */
export class AsyncBroadcast<T> {
  readonly #queues = new Set<AsyncQueue<T>>();
  #ended = false;

  /** A new iterator that sees every item pushed from now on. */
  subscribe(): AsyncIterableIterator<T> {
    const queue: AsyncQueue<T> = new AsyncQueue<T>(() => this.#queues.delete(queue));
    if (this.#ended) {
      queue.end();
    } else {
      this.#queues.add(queue);
    }
    return queue;
  }

  push(item: T): void {
    for (const queue of this.#queues) {
      queue.push(item);
    }
  }

  /** Ends all current and future iterators. */
  end(): void {
    this.#ended = true;
    for (const queue of this.#queues) {
      queue.end();
    }
    this.#queues.clear();
  }
}
