import { randomBytes } from 'node:crypto';

/**
 * Receives the messages of a subscription. `data` is a view into the bytes read from the socket,
 * valid only during the call: copy it to keep it. `reply` is the reply subject, if any.
 */
export type NatsMsgHandler = (data: Buffer, reply: string | undefined, subject: string) => void;

/** A subscription of {@link NatsClient}. */
export interface NatsSubscription {
  readonly sid: number;
  readonly subject: string;
  /** Ends it (idempotent). */
  unsubscribe(): void;
}

/** @internal One entry of {@link Subscriptions}. */
export interface SubscriptionEntry {
  readonly sid: number;
  readonly subject: string;
  readonly handler: NatsMsgHandler;
}

/** A fresh inbox subject for replies (`_INBOX.` and 128 random bits). */
export function createInbox(): string {
  return `_INBOX.${randomBytes(16).toString('base64url')}`;
}

/** The client's subscriptions by sid; they outlive connections and are re-sent on each one. */
export class Subscriptions {
  readonly #bySid = new Map<number, SubscriptionEntry>();
  #lastSid = 0;

  add(subject: string, handler: NatsMsgHandler): SubscriptionEntry {
    const entry: SubscriptionEntry = { sid: ++this.#lastSid, subject, handler };
    this.#bySid.set(entry.sid, entry);
    return entry;
  }

  /** Removes it; false when it was already gone. */
  remove(sid: number): boolean {
    return this.#bySid.delete(sid);
  }

  get(sid: number): SubscriptionEntry | undefined {
    return this.#bySid.get(sid);
  }

  all(): IterableIterator<SubscriptionEntry> {
    return this.#bySid.values();
  }

  clear(): void {
    this.#bySid.clear();
  }
}
