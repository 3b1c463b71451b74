import type { EventEmitter } from 'node:events';
import type { BusMessage, Received } from './messages.js';

/** Connection state changes of a bus. */
export type BusEvents = {
  /** The first connection is up. */
  connected: [];
  /** The connection was lost; it is being re-established. Local service goes on. */
  disconnected: [];
  /**
   * The connection is back and subscriptions are restored. What others published meanwhile is
   * lost (the bus is at-most-once), so state learned from others must be fetched again.
   */
  reconnected: [];
};

/** Answers a request (only handlers of requests get one). */
export type ReplyFn = (message: BusMessage) => void;

/** Receives messages of one subject. Handler exceptions are caught and logged by the bus. */
export type BusHandler = (message: BusMessage, from: string, reply: ReplyFn | undefined) => void;

/** Ends a subscription (idempotent). */
export interface BusSubscription {
  unsubscribe(): void;
}

/** Options of {@link Bus.request}. */
export interface BusRequestOptions {
  /** Give up waiting after this long. */
  timeoutMs: number;
  /** Stop as soon as this many replies arrived (the number of servers asked). */
  expected: number;
  /** Stop early when a reply satisfies this. */
  done?: (reply: Received) => boolean;
}

/** What `/api/v1/serverinfo`-style reports need to know about the bus. */
export interface BusInfo {
  kind: 'in-process' | 'nats';
  connected: boolean;
  /** The configured URLs (credentials masked); empty for the in-process bus. */
  urls: string[];
  /** The URL currently connected to, if any. */
  connectedUrl?: string;
  /** Id and version of the NATS server connected to. */
  natsServerId?: string;
  natsVersion?: string;
}

/**
 * How signaling servers of a cluster talk to each other: subject-based publish/subscribe plus
 * scatter-gather requests, carrying validated {@link BusMessage}s. Messages are never delivered back
 * to the bus that published them, so a server handles its own state locally and uses the bus only
 * for the others. Delivery is at-most-once; ordering holds per sender and subject.
 *
 * Implementations: {@link InProcessBus} (a single server, or several in one process for tests) and
 * {@link NatsBus} (a real NATS).
 */
export interface Bus {
  /** Unique id of this server in the cluster (random per start). */
  readonly serverId: string;
  /** Whether messages can currently be exchanged. */
  readonly connected: boolean;
  /** Connection state changes. */
  readonly events: EventEmitter<BusEvents>;
  /** Sends `message` to the other servers subscribed to `subject` (dropped while disconnected). */
  publish(subject: string, message: BusMessage): void;
  /** Receives the messages of `subject` published by other servers. */
  subscribe(subject: string, handler: BusHandler): BusSubscription;
  /**
   * Publishes `message` as a request and collects the replies until `expected` arrived, `done`
   * returns true, or the timeout passes. Resolves with the replies so far (never rejects).
   */
  request(subject: string, message: BusMessage, options: BusRequestOptions): Promise<Received[]>;
  /** Connection details for reports. */
  info(): BusInfo;
  /** Disconnects (after flushing what was published). */
  close(): Promise<void>;
}
