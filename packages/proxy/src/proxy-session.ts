/**
 * A signaling server's session on the proxy: it outlives its WebSocket (a reconnecting server
 * resumes it with `resumeid`) and owns the publishers and subscribers the server created. Messages
 * sent while no connection is attached are kept and delivered on resume, as upstream does.
 */
import type { ProxyServerMessage } from '@spreed-ts/protocol';
import type { SfuPublisher, SfuSubscriber } from '@spreed-ts/server';
import type { ProxyConnection } from './proxy-connection.js';

/** A session not used for this long after its connection went away is deleted (upstream's). */
export const SESSION_EXPIRATION_MS = 60_000;
/** Most messages kept for a detached session; older ones are dropped first. */
export const MAX_PENDING_MESSAGES = 1024;

/** A publisher or subscriber the session created, by the proxy's client id. */
export type SessionClient =
  | { kind: 'publisher'; id: string; client: SfuPublisher; bitrate: number }
  | { kind: 'subscriber'; id: string; client: SfuSubscriber; bitrate: number };

export class ProxySession {
  /** The public id, also the resume id. */
  readonly id: string;
  readonly publishers = new Map<string, SessionClient & { kind: 'publisher' }>();
  readonly subscribers = new Map<string, SessionClient & { kind: 'subscriber' }>();
  #connection: ProxyConnection<ProxySession> | undefined;
  #pending: ProxyServerMessage[] = [];
  #lastUsed = Date.now();
  #closed = false;

  constructor(id: string) {
    this.id = id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get connection(): ProxyConnection<ProxySession> | undefined {
    return this.#connection;
  }

  /** Marks the session as in use (a message, a resume or the loss of its connection). */
  markUsed(): void {
    this.#lastUsed = Date.now();
  }

  /** Whether the session was not used for {@link SESSION_EXPIRATION_MS}. */
  expired(now = Date.now()): boolean {
    return now - this.#lastUsed >= SESSION_EXPIRATION_MS;
  }

  /**
   * Attaches `connection` (or detaches with undefined); returns the previous connection. The
   * caller delivers the pending messages with {@link flush} once the hello answer is out.
   */
  attach(
    connection: ProxyConnection<ProxySession> | undefined,
  ): ProxyConnection<ProxySession> | undefined {
    const previous = this.#connection;
    this.#connection = connection;
    if (previous !== undefined && previous !== connection) {
      previous.session = undefined;
    }
    if (connection !== undefined) {
      connection.session = this;
      this.markUsed();
    }
    return previous;
  }

  /** Sends the messages kept while no connection was attached. */
  flush(): void {
    const connection = this.#connection;
    if (connection === undefined) {
      return;
    }
    const pending = this.#pending;
    this.#pending = [];
    for (const message of pending) {
      connection.send(message);
    }
  }

  /** Sends `message` now, or keeps it until a connection is attached. */
  send(message: ProxyServerMessage): void {
    if (this.#closed) {
      return;
    }
    if (this.#connection !== undefined) {
      this.#connection.send(message);
      return;
    }
    if (this.#pending.length >= MAX_PENDING_MESSAGES) {
      this.#pending.shift();
    }
    this.#pending.push(message);
  }

  /** The session's publisher or subscriber with client id `id`. */
  client(id: string): SessionClient | undefined {
    return this.publishers.get(id) ?? this.subscribers.get(id);
  }

  /** Marks the session closed and returns what it owned (the caller closes it). */
  close(): SessionClient[] {
    this.#closed = true;
    this.#pending = [];
    const owned = [...this.publishers.values(), ...this.subscribers.values()];
    this.publishers.clear();
    this.subscribers.clear();
    return owned;
  }
}
