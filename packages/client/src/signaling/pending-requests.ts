import type { ServerMessage } from '@spreed-ts/protocol';
import { ClientError } from '../util/client-error.js';

interface Pending {
  resolve(frame: ServerMessage): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout>;
}

const REMEMBERED_MESSAGES = 500;

/**
 * Request ids of one signaling connection: requests waiting for their answer (hello, room, bye)
 * with a timeout each, and the data of recently sent messages, so that an `error` answering a
 * message can be reported together with what was sent.
 */
export class PendingRequests {
  readonly #pending = new Map<string, Pending>();
  readonly #sent = new Map<string, unknown>();
  #nextId = 1;

  /** A fresh request id. */
  nextId(): string {
    return String(this.#nextId++);
  }

  /** Waits for the answer to request `id`; rejects with a timeout naming `what`. */
  wait(id: string, timeoutMs: number, what: string): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(ClientError.timeout(what, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
  }

  /** Settles the request `id` with `frame`; false when nobody waits for it. */
  resolve(id: string | undefined, frame: ServerMessage): boolean {
    const pending = this.#take(id);
    pending?.resolve(frame);
    return pending !== undefined;
  }

  /** Rejects the request `id`; false when nobody waits for it. */
  reject(id: string | undefined, error: unknown): boolean {
    const pending = this.#take(id);
    pending?.reject(error);
    return pending !== undefined;
  }

  /** Rejects every waiting request (the socket is gone). */
  rejectAll(error: unknown): void {
    for (const id of [...this.#pending.keys()]) {
      this.reject(id, error);
    }
  }

  /** Remembers the data of a sent message (the newest few hundred). */
  remember(id: string, data: unknown): void {
    this.#sent.set(id, data);
    if (this.#sent.size > REMEMBERED_MESSAGES) {
      const oldest = this.#sent.keys().next().value;
      if (oldest !== undefined) {
        this.#sent.delete(oldest);
      }
    }
  }

  /** The data of sent message `id`, if still remembered. */
  sentData(id: string | undefined): unknown {
    return id === undefined ? undefined : this.#sent.get(id);
  }

  #take(id: string | undefined): Pending | undefined {
    if (id === undefined) {
      return undefined;
    }
    const pending = this.#pending.get(id);
    if (pending !== undefined) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
    }
    return pending;
  }
}
