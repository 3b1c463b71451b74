import { EventEmitter } from 'node:events';
import type { PublisherLocation } from '../bus/messages.js';
import type { ServerConfig } from '../config/server-config.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import { SfuClosedError } from './errors.js';
import type { McuData, StreamType } from './mcu-data.js';

/** A session description or candidate payload as it goes to and comes from clients. */
export type JsonMap = Record<string, unknown>;

/** Media a publisher may carry (bit set, upstream's values). */
export const MediaTypes = { audio: 1, video: 2, screen: 4 } as const;

/** Settings of a new publisher, from the client's offer and the backend's limit. */
export interface PublisherSettings {
  /** Requested bitrate after the backend cap (bits per second; 0 = none requested). */
  bitrate: number;
  /** {@link MediaTypes} bits of the offer. */
  mediaTypes: number;
  audiocodec: string;
  videocodec: string;
  vp9profile: string;
  h264profile: string;
}

/** Who asks for a new publisher (placement near the client, with `[mcu] type = proxy`). */
export interface SfuInitiator {
  /** The client's address (after trusted proxies); '' when unknown. */
  address: string;
}

/** Events of a publisher or subscriber. */
export type SfuClientEvents = {
  /** A local ICE candidate of the SFU for the client (`{sdpMid, sdpMLineIndex, candidate}`). */
  candidate: [candidate: JsonMap];
  /** The SFU renegotiates: a new offer for the subscriber's client. */
  updateOffer: [jsep: JsonMap];
  /** The SFU has sent all its ICE candidates for the client (Janus's trickle `completed`). */
  iceCompleted: [];
  /** The object is gone (closed by us, by the SFU, or because the SFU connection was lost). */
  closed: [];
};

/** What publishers and subscribers have in common. */
export interface SfuClient extends EventEmitter<SfuClientEvents> {
  /** Our id of the object (log lines). */
  readonly id: string;
  /** The id the client uses for this peer connection (`sid` in messages). */
  readonly sid: string;
  readonly streamType: StreamType;
  /** The public session id of the publishing session. */
  readonly publisherId: string;
  readonly closed: boolean;
  /**
   * Processes an MCU message from the client (upstream's SendMessage). Resolves with the session
   * description to send back, or undefined when there is nothing to send.
   */
  handle(data: McuData): Promise<JsonMap | undefined>;
  /** Closes the object (idempotent); `closed` is emitted. */
  close(): Promise<void>;
}

/** A stream a session publishes. */
export interface SfuPublisher extends SfuClient {
  /** {@link MediaTypes} bits of the last offer. */
  mediaTypes: number;
}

/** A stream a session receives from a publisher. */
export type SfuSubscriber = SfuClient;

/** Bitrate limits of the SFU (`[mcu] maxstreambitrate` / `maxscreenbitrate`). */
export interface SfuLimits {
  maxStreamBitrate: number;
  maxScreenBitrate: number;
}

/** Events of an {@link Sfu}. */
export type SfuEvents = {
  /** The SFU became usable. */
  connected: [];
  /** The SFU became unusable; every publisher and subscriber was closed. */
  disconnected: [];
  /**
   * A local publisher closed (its subscribers on other servers must end too); `proxyClient` is the
   * proxy's client id of a publisher on a signaling proxy.
   */
  publisherClosed: [
    publisherId: string,
    streamType: StreamType,
    room: number,
    proxyClient?: string,
  ];
};

export type { PublisherLocation };

/** A publisher of another server that closed (`publisher-closed` on the bus). */
export interface ClosedRemotePublisher {
  publisherId: string;
  streamType: StreamType;
  room: number;
  /** The proxy's client id of the publisher (`[mcu] type = proxy`). */
  proxyclient?: string;
}

/** A publisher another server of the cluster has, as its lookup found it. */
export interface RemotePublisher {
  /** Id of the server that has the publisher. */
  server: string;
  location: PublisherLocation;
}

/** Finds publishers on the other servers of a cluster (see `SfuClusterLink`). */
export interface RemotePublishers {
  /** Asks the other servers once (bounded by a short deadline); undefined when none has it. */
  find(publisherId: string, streamType: StreamType): Promise<RemotePublisher | undefined>;
}

/** Live SFU objects by stream type (`video`, `screen`), for metrics and stats. */
export interface SfuCounts {
  publishers: Record<'video' | 'screen', number>;
  subscribers: Record<'video' | 'screen', number>;
  /** Subscribers here to publishers on other servers (a subset of `subscribers`). */
  remoteSubscribers: Record<'video' | 'screen', number>;
}

/**
 * The media server behind the signaling server. {@link NoSfu} when none is configured (calls are
 * peer-to-peer), `JanusSfu` for `[mcu] type = janus`, `ProxySfu` for `[mcu] type = proxy`.
 */
export interface Sfu extends EventEmitter<SfuEvents> {
  /** `none`, `janus` or `proxy`. */
  readonly type: string;
  /** Whether publishers and subscribers can be created now. */
  readonly connected: boolean;
  /** `[mcu] timeout`. */
  readonly timeoutMs: number;
  readonly limits: SfuLimits;
  /** Starts connecting. */
  start(): void;
  /** Closes everything and stops reconnecting. */
  close(): Promise<void>;
  /** Creates a publisher for `publisherId`'s stream of `streamType`. */
  newPublisher(
    publisherId: string,
    sid: string,
    streamType: StreamType,
    settings: PublisherSettings,
    initiator?: SfuInitiator,
  ): Promise<SfuPublisher>;
  /**
   * Creates a subscriber to `publisherId`'s stream, waiting up to `waitMs` for a publisher that is
   * about to appear.
   */
  newSubscriber(
    publisherId: string,
    streamType: StreamType,
    waitMs: number,
  ): Promise<SfuSubscriber>;
  /** Where other servers can subscribe to the local publisher of this stream, if there is one. */
  localPublisher(publisherId: string, streamType: StreamType): PublisherLocation | undefined;
  /** Where to look for publishers that are not local (a cluster); undefined: nowhere. */
  setRemotePublishers(remote: RemotePublishers | undefined): void;
  /**
   * A publisher on `server` closed, or (without `publisherId`) the server is gone: the
   * subscribers here to its publishers (of that stream, in that room, of that proxy client when
   * `proxyclient` is given) are closed.
   */
  remotePublisherClosed(server: string, publisher?: ClosedRemotePublisher): void;
  /** Live objects by stream type. */
  streamCounts(): SfuCounts;
  /** `sfu` of `/api/v1/serverinfo` (upstream's shape), if the SFU has something to say. */
  serverInfo?(): unknown;
  /** Extra members of `mcu` in `/api/v1/stats` (e.g. the proxies). */
  stats?(): Record<string, unknown>;
  /** Registers the SFU's own metrics (upstream's proxy metrics). */
  registerMetrics?(registry: MetricsRegistry): void;
  /** Takes a reloaded `[mcu]` (SIGHUP): what can change without a restart. */
  reload?(config: ServerConfig): void;
}

/** No counts at all. */
export function emptyCounts(): SfuCounts {
  return {
    publishers: { video: 0, screen: 0 },
    subscribers: { video: 0, screen: 0 },
    remoteSubscribers: { video: 0, screen: 0 },
  };
}

/**
 * Counts live objects by stream type (`audio` is not a stream of its own and is left out);
 * `remote` tells which of the subscribers are to publishers on other servers.
 */
export function countStreams<S extends { readonly streamType: StreamType }>(
  publishers: Iterable<{ readonly streamType: StreamType }>,
  subscribers: Iterable<S>,
  remote: (subscriber: S) => boolean,
): SfuCounts {
  const counts = emptyCounts();
  for (const { streamType } of publishers) {
    if (streamType !== 'audio') {
      counts.publishers[streamType]++;
    }
  }
  for (const subscriber of subscribers) {
    const { streamType } = subscriber;
    if (streamType !== 'audio') {
      counts.subscribers[streamType]++;
      if (remote(subscriber)) {
        counts.remoteSubscribers[streamType]++;
      }
    }
  }
  return counts;
}

/** No SFU configured: nothing is ever connected. */
export class NoSfu extends EventEmitter<SfuEvents> implements Sfu {
  readonly type = 'none';
  readonly connected = false;
  readonly timeoutMs: number;
  readonly limits: SfuLimits = { maxStreamBitrate: 0, maxScreenBitrate: 0 };

  constructor(timeoutMs = 10_000) {
    super();
    this.timeoutMs = timeoutMs;
  }

  start(): void {}

  async close(): Promise<void> {}

  newPublisher(): Promise<SfuPublisher> {
    return Promise.reject(new SfuClosedError('no SFU configured'));
  }

  newSubscriber(): Promise<SfuSubscriber> {
    return Promise.reject(new SfuClosedError('no SFU configured'));
  }

  localPublisher(_publisherId: string, _streamType: StreamType): PublisherLocation | undefined {
    return undefined;
  }

  setRemotePublishers(_remote: RemotePublishers | undefined): void {}

  remotePublisherClosed(
    _server: string,
    _publisher?: { publisherId: string; streamType: StreamType; room: number },
  ): void {}

  streamCounts(): SfuCounts {
    return emptyCounts();
  }
}

/**
 * The bitrate a new publisher gets: what it asked for, capped by the SFU's limit for its stream
 * type; the limit itself when it asked for none (0 or less).
 */
export function publisherBitrate(
  limits: SfuLimits,
  streamType: 'video' | 'screen',
  requested: number,
): number {
  const max = streamType === 'screen' ? limits.maxScreenBitrate : limits.maxStreamBitrate;
  return requested <= 0 ? max : Math.min(requested, max);
}

/** The key of a published stream (upstream: `<publisher id>|<stream type>`). */
export function streamKey(publisherId: string, streamType: string): string {
  return `${publisherId}|${streamType}`;
}
