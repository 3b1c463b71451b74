import type { ClientType, ServerMessage } from '@spreed-ts/protocol';
import type { Backend } from '../backend/backend-registry.js';
import type { ClientConnection } from '../transport/client-connection.js';

/** Most messages kept for a disconnected session; beyond that it is expired at once. */
export const MAX_PENDING_MESSAGES = 1024;

/** Who a session is, as established by its hello. */
export interface SessionIdentity {
  publicId: string;
  privateId: string;
  clientType: ClientType;
  backend: Backend;
  /** Canonical Nextcloud base URL the client authenticated against. */
  backendUrl: string;
  /** User id; empty for guests and internal clients. */
  userId: string;
  /** User data from the backend or token (`user` in room events). */
  user: unknown;
  /** Client features from the hello request. */
  features: readonly string[];
}

/** A pending message while disconnected, and how to collapse it. */
interface Pending {
  text: string;
  kind: 'chat-refresh' | 'participants-update' | 'other';
}

/**
 * One signaling session: outlives its WebSocket for the resume window, queueing what it is sent
 * meanwhile (one chat refresh at most, as upstream), and replays the queue on resume.
 */
export class ClientSession {
  readonly publicId: string;
  readonly privateId: string;
  readonly clientType: ClientType;
  readonly backend: Backend;
  readonly backendUrl: string;
  readonly userId: string;
  readonly user: unknown;
  readonly features: ReadonlySet<string>;
  /** The features as the client sent them, for join events. */
  readonly featureList: readonly string[];
  #connection: ClientConnection | undefined;
  #pending: Pending[] = [];
  #hasPendingChat = false;
  #closed = false;
  /** Called when the pending queue overflows; the owner expires the session. */
  onOverflow: ((session: ClientSession) => void) | undefined;

  constructor(identity: SessionIdentity) {
    this.publicId = identity.publicId;
    this.privateId = identity.privateId;
    this.clientType = identity.clientType;
    this.backend = identity.backend;
    this.backendUrl = identity.backendUrl;
    this.userId = identity.userId;
    this.user = identity.user;
    this.features = new Set(identity.features);
    this.featureList = identity.features;
  }

  /** The current connection, if the client is connected. */
  get connection(): ClientConnection | undefined {
    return this.#connection;
  }

  /** Whether the session was closed for good. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Binds a connection, returning the previous one (resume from another socket). */
  attach(connection: ClientConnection): ClientConnection | undefined {
    const previous = this.#connection;
    this.#connection = connection;
    connection.session = this;
    if (previous && previous !== connection) {
      previous.session = undefined;
    }
    return previous;
  }

  /** Forgets the connection (it closed). */
  detach(connection: ClientConnection): void {
    if (this.#connection === connection) {
      this.#connection = undefined;
    }
  }

  /** Sends a message, or queues it while disconnected. */
  send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message), classify(message));
  }

  /** Sends an already serialised message (fan-out serialises once for all recipients). */
  sendText(text: string, kind: Pending['kind'] = 'other'): void {
    if (this.#closed) {
      return;
    }
    const connection = this.#connection;
    if (connection?.isOpen && connection.send(text)) {
      return;
    }
    this.#queue(text, kind);
  }

  #queue(text: string, kind: Pending['kind']): void {
    if (kind === 'chat-refresh') {
      if (this.#hasPendingChat) {
        return;
      }
      this.#hasPendingChat = true;
    }
    this.#pending.push({ text, kind });
    if (this.#pending.length > MAX_PENDING_MESSAGES) {
      this.#pending = [];
      this.onOverflow?.(this);
    }
  }

  /**
   * Replays queued messages on the current connection. Returns whether a participants update was
   * among them (if not, the room sends a fresh one).
   */
  flushPending(): boolean {
    const pending = this.#pending;
    this.#pending = [];
    this.#hasPendingChat = false;
    let hadParticipants = false;
    for (const item of pending) {
      hadParticipants ||= item.kind === 'participants-update';
      this.sendText(item.text, item.kind);
    }
    return hadParticipants;
  }

  /** Marks the session closed; further sends are dropped. */
  markClosed(): void {
    this.#closed = true;
    this.#pending = [];
  }
}

function classify(message: ServerMessage): Pending['kind'] {
  if (message.type !== 'event') {
    return 'other';
  }
  const event = message.event;
  if (event.target === 'participants' && event.type === 'update') {
    return 'participants-update';
  }
  if (event.type === 'message') {
    const data = event.message?.data as
      | { type?: unknown; chat?: { refresh?: unknown } }
      | undefined;
    if (data?.type === 'chat' && data.chat?.refresh === true) {
      return 'chat-refresh';
    }
  }
  return 'other';
}
