import type { Bus, BusSubscription, ReplyFn } from '../bus/bus.js';
import type { BusMessage } from '../bus/messages.js';
import type { Peers } from '../bus/peers.js';
import { Subjects } from '../bus/subjects.js';
import type { Logger } from '../logger.js';
import { isStreamType, type StreamType } from './mcu-data.js';
import type { RemotePublisher, RemotePublishers, Sfu } from './sfu.js';

/**
 * How long a publisher lookup waits for the other servers. A client's `requestoffer` waits on it,
 * and a server that crashed still counts as a peer until it misses its heartbeats, so the wait must
 * stay far below the client's patience (the hub's lookups use the same budget). Live servers answer
 * in milliseconds.
 */
export const PUBLISHER_LOOKUP_TIMEOUT_MS = 500;

/** Outcomes of publisher lookups (metrics). */
export type LookupResult = 'found' | 'not_found';

/** Options of {@link SfuClusterLink}. */
export interface SfuClusterLinkOptions {
  bus: Bus;
  peers: Peers;
  sfu: Sfu;
  logger: Logger;
  /** Lookup budget (default {@link PUBLISHER_LOOKUP_TIMEOUT_MS}). */
  lookupTimeoutMs?: number;
  /** Counts each lookup by its outcome. */
  onLookup?: (result: LookupResult) => void;
  /** A `sendoffer` from another server for a session that may be here. */
  onSendOffer?: (to: string, from: string, backend: string, data: unknown) => void;
}

/**
 * The SFU's side of a cluster (upstream's GRPC GetPublisherId, over the bus): a subscriber here to
 * a publisher on another server finds it with one `publisher-lookup` that every server answers
 * (with the Janus room of the stream when it has the publisher). When a publisher here closes, the
 * others are told with `publisher-closed`; when a server is gone, the subscribers here to its
 * publishers are closed, as local subscribers are when their publisher closes. A `sendoffer` for a
 * session on another server travels as `sfu-sendoffer` to the server that has it.
 */
export class SfuClusterLink implements RemotePublishers {
  readonly #o: SfuClusterLinkOptions;
  #subscription: BusSubscription | undefined;
  readonly #onGone = (peer: string) => this.#o.sfu.remotePublisherClosed(peer);
  readonly #onClosed = (
    publisherId: string,
    streamType: StreamType,
    room: number,
    proxyClient?: string,
  ) => {
    if (this.#o.peers.size > 0) {
      this.#o.bus.publish(Subjects.sfu, {
        type: 'publisher-closed',
        sessionid: publisherId,
        streamtype: streamType,
        room,
        ...(proxyClient === undefined ? {} : { proxyclient: proxyClient }),
      });
    }
  };

  constructor(options: SfuClusterLinkOptions) {
    this.#o = options;
  }

  start(): void {
    const { bus, peers, sfu } = this.#o;
    this.#subscription = bus.subscribe(Subjects.sfu, (message, from, reply) =>
      this.#received(message, from, reply),
    );
    peers.on('gone', this.#onGone);
    sfu.on('publisherClosed', this.#onClosed);
    sfu.setRemotePublishers(this);
  }

  stop(): void {
    const { peers, sfu } = this.#o;
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    peers.off('gone', this.#onGone);
    sfu.off('publisherClosed', this.#onClosed);
    sfu.setRemotePublishers(undefined);
  }

  async find(publisherId: string, streamType: StreamType): Promise<RemotePublisher | undefined> {
    const { bus, peers } = this.#o;
    const expected = peers.size;
    if (expected === 0) {
      return undefined;
    }
    const found = (message: BusMessage) =>
      message.type === 'publisher-lookup-reply' && message.publisher !== undefined;
    const replies = await bus.request(
      Subjects.sfu,
      { type: 'publisher-lookup', sessionid: publisherId, streamtype: streamType },
      {
        expected,
        timeoutMs: this.#o.lookupTimeoutMs ?? PUBLISHER_LOOKUP_TIMEOUT_MS,
        done: (r) => found(r.message),
      },
    );
    for (const { from, message } of replies) {
      if (
        message.type === 'publisher-lookup-reply' &&
        message.publisher !== undefined &&
        peers.has(from)
      ) {
        this.#o.onLookup?.('found');
        return { server: from, location: message.publisher };
      }
    }
    this.#o.onLookup?.('not_found');
    return undefined;
  }

  /**
   * Passes a `sendoffer` for a session that is not here to the other servers (the one that has the
   * recipient acts on it). Returns false when there are no other servers.
   */
  sendOffer(to: string, from: string, backend: string, data: unknown): boolean {
    if (this.#o.peers.size === 0) {
      return false;
    }
    this.#o.bus.publish(Subjects.sfu, { type: 'sfu-sendoffer', to, sender: from, backend, data });
    return true;
  }

  #received(message: BusMessage, from: string, reply: ReplyFn | undefined): void {
    switch (message.type) {
      case 'publisher-lookup': {
        if (reply === undefined) {
          return;
        }
        const streamType = message.streamtype;
        const publisher = isStreamType(streamType)
          ? this.#o.sfu.localPublisher(message.sessionid, streamType)
          : undefined;
        reply(
          publisher === undefined
            ? { type: 'publisher-lookup-reply' }
            : { type: 'publisher-lookup-reply', publisher },
        );
        return;
      }
      case 'sfu-sendoffer':
        this.#o.onSendOffer?.(message.to, message.sender, message.backend, message.data);
        return;
      case 'publisher-closed':
        if (isStreamType(message.streamtype)) {
          this.#o.sfu.remotePublisherClosed(from, {
            publisherId: message.sessionid,
            streamType: message.streamtype,
            room: message.room,
            ...(message.proxyclient === undefined ? {} : { proxyclient: message.proxyclient }),
          });
        }
        return;
      default:
        return;
    }
  }
}
