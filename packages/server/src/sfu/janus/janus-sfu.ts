import { EventEmitter } from 'node:events';
import type { ProxyPublisherStream } from '@spreed-ts/protocol';
import type { Logger } from '../../logger.js';
import { SfuClosedError, SfuTimeoutError, SfuUnreachablePublisherError } from '../errors.js';
import type { StreamType } from '../mcu-data.js';
import type { CandidateFilter } from '../sdp.js';
import {
  countStreams,
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
import { JanusRemoteFeed } from './remote-feed.js';
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
  /** The publisher is a remote publisher of our Janus (its webrtcup is not seen here). */
  fed: boolean;
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
  /** Publishers of other Janus servers fed into ours, by stream key. */
  readonly #feeds = new Map<string, JanusRemoteFeed>();
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
      for (const feed of [...this.#feeds.values()]) {
        void feed.close();
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
      ...[...this.#feeds.values()].map((f) => f.close()),
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

  /** Remote publishers fed into our Janus (tests, stats). */
  get feedCount(): number {
    return this.#feeds.size;
  }

  /**
   * Makes the stream of a publisher on another Janus available here (Janus ≥ 1.1): a room with a
   * remote publisher of `streams`; the other Janus is then asked to send to its `port`/`rtcpPort`.
   * Subscribers of `publisherId`'s `streamType` join it as a local publisher's room. Fails with
   * {@link RemoteStreamsUnsupportedError} on an older Janus.
   */
  async newRemoteFeed(
    publisherId: string,
    streamType: StreamType,
    streams: readonly ProxyPublisherStream[],
  ): Promise<JanusRemoteFeed> {
    if (streamType !== 'video' && streamType !== 'screen') {
      throw new Error(`unsupported stream type ${streamType}`);
    }
    if ((this.#gateway.info?.version ?? 0) < 1100) {
      throw new RemoteStreamsUnsupportedError();
    }
    if (streams.length === 0) {
      throw new Error('remote publisher has no streams');
    }
    const key = streamKey(publisherId, streamType);
    const existing = this.#feeds.get(key);
    if (existing !== undefined && !existing.closed) {
      throw new Error(`a remote publisher for ${key} exists already`);
    }
    const bitrate = publisherBitrate(this.#options.limits, streamType, 0);
    const handle = await this.#gateway.attach();
    try {
      const room = await this.#createRoom(handle, key, bitrate, {
        bitrate: 0,
        mediaTypes: 0,
        audiocodec: '',
        videocodec: '',
        vp9profile: '',
        h264profile: '',
      });
      const added = await handle.message({
        request: 'add_remote_publisher',
        room,
        id: FEED_IDS[streamType],
        streams,
      });
      const port = added.data.port;
      const rtcpPort = added.data.rtcp_port;
      if (pluginErrorCode(added.data) !== 0 || typeof port !== 'number') {
        await handle.message({ request: 'destroy', room }).catch(() => undefined);
        throw new Error(`adding remote publisher failed: ${JSON.stringify(added.data)}`);
      }
      const feed = new JanusRemoteFeed(
        handle,
        {
          publisherId,
          streamType,
          roomId: room,
          port,
          rtcpPort: typeof rtcpPort === 'number' ? rtcpPort : 0,
          streams,
        },
        this.#options.logger,
      );
      this.#feeds.set(key, feed);
      feed.once('closed', () => {
        if (this.#feeds.get(key) === feed) {
          this.#feeds.delete(key);
        }
        this.#closeSubscribersOfRoom(publisherId, streamType, room);
      });
      this.#options.logger.info('remote publisher added', {
        session: publisherId,
        streamType,
        room,
        port,
        rtcpPort,
      });
      this.#created.notify(key);
      return feed;
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
    this.#closeSubscribersOfRoom(publisher.publisherId, publisher.streamType, publisher.roomId);
  }

  #closeSubscribersOfRoom(publisherId: string, streamType: StreamType, roomId: number): void {
    for (const subscriber of [...this.#subscribers]) {
      if (
        subscriber.publisherId === publisherId &&
        subscriber.streamType === streamType &&
        subscriber.roomId === roomId
      ) {
        this.#options.logger.debug('closing subscriber of a closed publisher', {
          subscriber: subscriber.id,
          publisher: publisherId,
          room: roomId,
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
    return countStreams(this.#publishers.values(), this.#subscribers, (s) =>
      this.#remoteSubscribers.has(s),
    );
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
  ): Promise<{ roomId: number; remote: RemotePublisher | undefined; fed: boolean }> {
    const key = streamKey(publisherId, streamType);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const existing = this.#publishers.get(key);
      if (existing !== undefined && !existing.closed) {
        return { roomId: existing.roomId, remote: undefined, fed: false };
      }
      const feed = this.#feeds.get(key);
      if (feed !== undefined && !feed.closed) {
        return { roomId: feed.roomId, remote: undefined, fed: true };
      }
      const waiter = this.#created.register(key);
      try {
        const remote =
          this.#remote === undefined ? undefined : await this.#remote.find(publisherId, streamType);
        if (remote !== undefined) {
          return { roomId: remote.location.room, remote, fed: false };
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
      const { roomId, remote, fed } = await this.#source(publisherId, streamType, waitMs);
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
      return { handle, roomId, server: remote?.server, fed };
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
    let fed = first.fed;
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
          fed = next.fed;
          track(server);
          return next;
        },
        // A remote publisher's webrtcup is not seen here: retry the join in short steps.
        publisherConnected: () =>
          server === undefined && !fed ? this.#publisherConnected.register(key) : retryWaiter(),
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

/** Our Janus is older than 1.1 and has no remote publishers (upstream's wording). */
export class RemoteStreamsUnsupportedError extends Error {
  constructor() {
    super('need Janus 1.1.0 for remote streams');
    this.name = 'RemoteStreamsUnsupportedError';
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
