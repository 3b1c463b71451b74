import { EventEmitter } from 'node:events';
import type { Logger } from '../../logger.js';
import { SfuClosedError, SfuTimeoutError } from '../errors.js';
import type { StreamType } from '../mcu-data.js';
import type { CandidateFilter } from '../sdp.js';
import {
  type PublisherSettings,
  type Sfu,
  type SfuEvents,
  type SfuLimits,
  type SfuPublisher,
  type SfuSubscriber,
  streamKey,
} from '../sfu.js';
import { JanusGateway, type JanusGatewayOptions } from './janus-gateway.js';
import type { JanusHandle } from './janus-handle.js';
import { pluginErrorCode } from './janus-messages.js';
import { Notifier } from './notifier.js';
import { FEED_IDS, JanusPublisher } from './publisher.js';
import { JanusSubscriber } from './subscriber.js';

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
    const max =
      streamType === 'screen'
        ? this.#options.limits.maxScreenBitrate
        : this.#options.limits.maxStreamBitrate;
    const bitrate = settings.bitrate <= 0 ? max : Math.min(settings.bitrate, max);
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

  /** The publisher of `key`, waiting up to `waitMs` for one that is about to be created. */
  async #publisher(key: string, waitMs: number): Promise<JanusPublisher> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const existing = this.#publishers.get(key);
      if (existing !== undefined && !existing.closed) {
        return existing;
      }
      const waiter = this.#created.register(key);
      try {
        const left = deadline - Date.now();
        if (left <= 0 || !(await waiter.wait(left))) {
          throw new SfuTimeoutError(`no publisher for ${key}`);
        }
      } finally {
        waiter.release();
      }
    }
  }

  async newSubscriber(
    publisherId: string,
    streamType: StreamType,
    waitMs: number,
  ): Promise<SfuSubscriber> {
    if (streamType !== 'video' && streamType !== 'screen') {
      throw new Error(`unsupported stream type ${streamType}`);
    }
    const key = streamKey(publisherId, streamType);
    const attach = async () => {
      const publisher = await this.#publisher(key, waitMs);
      if (!this.#gateway.connected) {
        throw new SfuClosedError();
      }
      return { handle: await this.#gateway.attach(), roomId: publisher.roomId };
    };
    const { handle, roomId } = await attach();
    const subscriber = new JanusSubscriber(
      handle,
      { id: `s${++this.#nextId}`, sid: String(handle.id), streamType, publisherId, roomId },
      {
        ...this.#context(),
        timeoutMs: this.timeoutMs,
        multistream: (this.#gateway.info?.version ?? 0) >= 1000,
        reattach: attach,
        publisherConnected: () => this.#publisherConnected.register(key),
      },
    );
    this.#subscribers.add(subscriber);
    subscriber.once('closed', () => this.#subscribers.delete(subscriber));
    this.#options.logger.debug('subscriber created', {
      subscriber: subscriber.id,
      publisher: publisherId,
      streamType,
      handle: handle.id,
    });
    return subscriber;
  }
}
