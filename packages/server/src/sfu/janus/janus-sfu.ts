import { EventEmitter } from 'node:events';
import type { Logger } from '../../logger.js';
import { SfuClosedError, SfuTimeoutError, SfuUnreachablePublisherError } from '../errors.js';
import type { StreamType } from '../mcu-data.js';
import type { CandidateFilter } from '../sdp.js';
import {
  emptyCounts,
  type PublisherLocation,
  type PublisherSettings,
  publisherBitrate,
  type RemotePublisher,
  type RemotePublishers,
  type Sfu,
  type SfuCounts,
  type SfuEvents,
  type SfuLimits,
  type SfuPublisher,
  type SfuSubscriber,
  streamKey,
} from '../sfu.js';
import { JanusGateway, type JanusGatewayOptions } from './janus-gateway.js';
import type { JanusHandle } from './janus-handle.js';
import { pluginErrorCode } from './janus-messages.js';
import { Notifier, type NotifierWaiter } from './notifier.js';
import { FEED_IDS, JanusPublisher } from './publisher.js';
import { JanusSubscriber } from './subscriber.js';

/**
 * While a subscriber waits for a publisher that is on no server yet, how often the other servers
 * are asked again (a publisher created here is noticed at once).
 */
const REMOTE_RETRY_MS = 500;
/** How often a subscriber to a remote publisher retries while the publisher is not sending yet. */
const REMOTE_FEED_RETRY_MS = 200;

/** Where a subscriber finds its publisher: in a room of our Janus, published here or elsewhere. */
interface Source {
  handle: JanusHandle;
  roomId: number;
  /** The server that has the publisher; undefined when it is local. */
  server: string | undefined;
}

/** Options of {@link JanusSfu}. */
export interface JanusSfuOptions {
  /** `[mcu] url`. */
  url: string;
  /** `[mcu] timeout`. */
  timeoutMs: number;
  /** `[mcu] maxstreambitrate` / `maxscreenbitrate`. */
  limits: SfuLimits;
  /** `[mcu] allowedcandidates` / `blockedcandidates`. */
  filter: CandidateFilter;
  logger: Logger;
  /** Test knobs for the gateway (timings, channel factory). */
  gateway?: Pick<JanusGatewayOptions, 'timings' | 'open'>;
}

/**
 * The SFU on Janus's videoroom plugin: every published stream gets its own room with a single
 * publisher (as upstream), subscribers join that room. Owns the {@link JanusGateway}; when the
 * connection to Janus is lost every publisher and subscriber is closed (their handles are gone)
 * and `disconnected` is emitted; `connected` again after the reconnect.
 */
export class JanusSfu extends EventEmitter<SfuEvents> implements Sfu {
  readonly type = 'janus';
  readonly timeoutMs: number;
  readonly #options: JanusSfuOptions;
  readonly #gateway: JanusGateway;
  readonly #publishers = new Map<string, JanusPublisher>();
  readonly #subscribers = new Set<JanusSubscriber>();
  /** Subscribers to publishers on other servers, with the server. */
  readonly #remoteSubscribers = new Map<JanusSubscriber, string>();
  #remote: RemotePublishers | undefined;
  readonly #created = new Notifier();
  readonly #publisherConnected = new Notifier();
  #nextId = 0;

  constructor(options: JanusSfuOptions) {
    super();
    this.#options = options;
    this.timeoutMs = options.timeoutMs;
    this.#gateway = new JanusGateway({
      url: options.url,
      timeoutMs: options.timeoutMs,
      logger: options.logger,
      ...options.gateway,
    });
    this.#gateway.on('connected', () => this.emit('connected'));
    this.#gateway.on('disconnected', () => {
      // The handles are gone with the connection; their owners were told through `closed`.
      for (const publisher of [...this.#publishers.values()]) {
        void publisher.close();
      }
      for (const subscriber of [...this.#subscribers]) {
        void subscriber.close();
      }
      this.emit('disconnected');
    });
  }

  get connected(): boolean {
    return this.#gateway.connected;
  }

  get limits(): SfuLimits {
    return this.#options.limits;
  }

  /** The gateway (tests and server info). */
  get gateway(): JanusGateway {
    return this.#gateway;
  }

  /** Live publishers and subscribers (tests, stats). */
  get counts(): { publishers: number; subscribers: number } {
    return { publishers: this.#publishers.size, subscribers: this.#subscribers.size };
  }

  start(): void {
    this.#gateway.start();
  }

  async close(): Promise<void> {
    await Promise.all([
      ...[...this.#publishers.values()].map((p) => p.close()),
      ...[...this.#subscribers].map((s) => s.close()),
    ]);
    await this.#gateway.close();
  }

  #context() {
    return { logger: this.#options.logger, filter: () => this.#options.filter };
  }

  async newPublisher(
    publisherId: string,
    sid: string,
    streamType: StreamType,
    settings: PublisherSettings,
  ): Promise<SfuPublisher> {
    if (streamType !== 'video' && streamType !== 'screen') {
      throw new Error(`unsupported stream type ${streamType}`);
    }
    const key = streamKey(publisherId, streamType);
    const bitrate = publisherBitrate(this.#options.limits, streamType, settings.bitrate);
    const handle = await this.#gateway.attach();
    try {
      const room = await this.#createRoom(handle, key, bitrate, settings);
      const joined = await handle.message({
        request: 'join',
        ptype: 'publisher',
        room,
        id: FEED_IDS[streamType],
      });
      if (pluginErrorCode(joined.data) !== 0) {
        throw new Error(`joining as publisher failed: ${JSON.stringify(joined.data)}`);
      }
      const publisher = new JanusPublisher(
        handle,
        {
          id: `p${++this.#nextId}`,
          sid,
          streamType,
          publisherId,
          roomId: room,
          mediaTypes: settings.mediaTypes,
          bitrate,
        },
        { ...this.#context(), connected: () => this.#publisherConnected.notify(key) },
      );
      this.#publishers.set(key, publisher);
      publisher.once('closed', () => {
        if (this.#publishers.get(key) === publisher) {
          this.#publishers.delete(key);
        }
        this.#closeSubscribersOf(publisher);
        this.emit('publisherClosed', publisherId, streamType, room);
      });
      this.#options.logger.info('publisher created', {
        publisher: publisher.id,
        session: publisherId,
        streamType,
        room,
        handle: handle.id,
        bitrate,
      });
      this.#created.notify(key);
      return publisher;
    } catch (err) {
      void handle.detach();
      throw err;
    }
  }

  async #createRoom(
    handle: JanusHandle,
    description: string,
    bitrate: number,
    settings: PublisherSettings,
  ): Promise<number> {
    const create: Record<string, unknown> = {
      request: 'create',
      description,
      // One room per published stream.
      publishers: 1,
      // The video-orientation extension breaks orientation changes in Firefox (upstream).
      videoorient_ext: false,
      bitrate,
    };
    if (settings.audiocodec !== '') {
      create.audiocodec = settings.audiocodec;
    }
    if (settings.videocodec !== '') {
      create.videocodec = settings.videocodec;
    }
    if (settings.vp9profile !== '') {
      create.vp9_profile = settings.vp9profile;
    }
    if (settings.h264profile !== '') {
      create.h264_profile = settings.h264profile;
    }
    const reply = await handle.message(create);
    const room = reply.data.room;
    if (typeof room !== 'number' || room === 0) {
      throw new Error(`no room id received: ${JSON.stringify(reply.data)}`);
    }
    return room;
  }

  /**
   * Janus 1.1 does not tell subscribers when the room of their publisher is destroyed (their
   * connection just stops carrying media), so they are closed here; a client that asks again
   * gets a fresh subscriber for the next publisher.
   */
  #closeSubscribersOf(publisher: JanusPublisher): void {
    for (const subscriber of [...this.#subscribers]) {
      if (
        subscriber.publisherId === publisher.publisherId &&
        subscriber.streamType === publisher.streamType &&
        subscriber.roomId === publisher.roomId
      ) {
        this.#options.logger.debug('closing subscriber of a closed publisher', {
          subscriber: subscriber.id,
          publisher: publisher.id,
        });
        void subscriber.close();
      }
    }
  }

  setRemotePublishers(remote: RemotePublishers | undefined): void {
    this.#remote = remote;
  }

  localPublisher(publisherId: string, streamType: StreamType): PublisherLocation | undefined {
    if (streamType !== 'video' && streamType !== 'screen') {
      return undefined;
    }
    const publisher = this.#publishers.get(streamKey(publisherId, streamType));
    if (publisher === undefined || publisher.closed) {
      return undefined;
    }
    return { sfu: this.#options.url, room: publisher.roomId, feed: FEED_IDS[streamType] };
  }

  remotePublisherClosed(
    server: string,
    publisher?: { publisherId: string; streamType: StreamType; room: number },
  ): void {
    for (const [subscriber, from] of [...this.#remoteSubscribers]) {
      if (
        from === server &&
        (publisher === undefined ||
          (subscriber.publisherId === publisher.publisherId &&
            subscriber.streamType === publisher.streamType &&
            subscriber.roomId === publisher.room))
      ) {
        this.#options.logger.info('closing subscriber of a remote publisher that is gone', {
          subscriber: subscriber.id,
          publisher: subscriber.publisherId,
          server,
          why: publisher === undefined ? 'server gone' : 'publisher closed',
        });
        void subscriber.close();
      }
    }
  }

  streamCounts(): SfuCounts {
    const counts = emptyCounts();
    for (const publisher of this.#publishers.values()) {
      if (publisher.streamType === 'video' || publisher.streamType === 'screen') {
        counts.publishers[publisher.streamType]++;
      }
    }
    for (const subscriber of this.#subscribers) {
      if (subscriber.streamType === 'video' || subscriber.streamType === 'screen') {
        counts.subscribers[subscriber.streamType]++;
        if (this.#remoteSubscribers.has(subscriber)) {
          counts.remoteSubscribers[subscriber.streamType]++;
        }
      }
    }
    return counts;
  }

  /**
   * The room of `publisherId`'s stream: a local publisher, or one another server of the cluster
   * has (asked again every {@link REMOTE_RETRY_MS}), waiting up to `waitMs` for one that is about
   * to be created.
   */
  async #source(
    publisherId: string,
    streamType: 'video' | 'screen',
    waitMs: number,
  ): Promise<{ roomId: number; remote: RemotePublisher | undefined }> {
    const key = streamKey(publisherId, streamType);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const existing = this.#publishers.get(key);
      if (existing !== undefined && !existing.closed) {
        return { roomId: existing.roomId, remote: undefined };
      }
      const waiter = this.#created.register(key);
      try {
        const remote =
          this.#remote === undefined ? undefined : await this.#remote.find(publisherId, streamType);
        if (remote !== undefined) {
          return { roomId: remote.location.room, remote };
        }
        const left = deadline - Date.now();
        const wait = this.#remote === undefined ? left : Math.min(left, REMOTE_RETRY_MS);
        if (left <= 0 || (!(await waiter.wait(wait)) && wait === left)) {
          throw new SfuTimeoutError(`no publisher for ${key}`);
        }
      } finally {
        waiter.release();
      }
    }
  }

  /**
   * Checks that a publisher of another server can be reached through our Janus: it uses the same
   * `[mcu] url`, or (the same Janus under another name) its room exists in ours.
   */
  async #checkReachable(handle: JanusHandle, remote: RemotePublisher): Promise<void> {
    const { location, server } = remote;
    if (location.sfu === this.#options.url) {
      return;
    }
    const reply = await handle.message({ request: 'exists', room: location.room });
    if (reply.data.exists === true) {
      return;
    }
    throw new SfuUnreachablePublisherError(
      `publisher is on server ${server} with another Janus (${location.sfu})`,
      {
        reason: 'publisher on another janus',
        hint:
          'the servers of a cluster must share one Janus ([mcu] url) to subscribe to each ' +
          "other's publishers",
      },
    );
  }

  async newSubscriber(
    publisherId: string,
    streamType: StreamType,
    waitMs: number,
  ): Promise<SfuSubscriber> {
    if (streamType !== 'video' && streamType !== 'screen') {
      throw new Error(`unsupported stream type ${streamType}`);
    }
    const attach = async (): Promise<Source> => {
      const { roomId, remote } = await this.#source(publisherId, streamType, waitMs);
      if (!this.#gateway.connected) {
        throw new SfuClosedError();
      }
      const handle = await this.#gateway.attach();
      if (remote !== undefined) {
        try {
          await this.#checkReachable(handle, remote);
        } catch (err) {
          void handle.detach();
          throw err;
        }
      }
      return { handle, roomId, server: remote?.server };
    };
    const first = await attach();
    const key = streamKey(publisherId, streamType);
    let subscriber: JanusSubscriber | undefined;
    const track = (server: string | undefined) => {
      if (subscriber === undefined || subscriber.closed) {
        return;
      }
      if (server === undefined) {
        this.#remoteSubscribers.delete(subscriber);
      } else {
        this.#remoteSubscribers.set(subscriber, server);
      }
    };
    let server = first.server;
    subscriber = new JanusSubscriber(
      first.handle,
      {
        id: `s${++this.#nextId}`,
        sid: String(first.handle.id),
        streamType,
        publisherId,
        roomId: first.roomId,
      },
      {
        ...this.#context(),
        timeoutMs: this.timeoutMs,
        multistream: (this.#gateway.info?.version ?? 0) >= 1000,
        reattach: async () => {
          const next = await attach();
          server = next.server;
          track(server);
          return next;
        },
        // A remote publisher's webrtcup is not seen here: retry the join in short steps.
        publisherConnected: () =>
          server === undefined ? this.#publisherConnected.register(key) : retryWaiter(),
      },
    );
    this.#subscribers.add(subscriber);
    track(server);
    const created = subscriber;
    created.once('closed', () => {
      this.#subscribers.delete(created);
      this.#remoteSubscribers.delete(created);
    });
    this.#options.logger.debug('subscriber created', {
      subscriber: created.id,
      publisher: publisherId,
      streamType,
      handle: first.handle.id,
      server: server ?? 'local',
    });
    return created;
  }
}

/** A waiter that says "try again" after a short pause (no event to wait for). */
function retryWaiter(): NotifierWaiter {
  return {
    wait: (timeoutMs) =>
      new Promise((resolve) =>
        setTimeout(() => resolve(true), Math.min(timeoutMs, REMOTE_FEED_RETRY_MS)),
      ),
    release: () => undefined,
  };
}
