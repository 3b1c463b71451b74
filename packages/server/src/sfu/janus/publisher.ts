import type { McuData } from '../mcu-data.js';
import type { JsonMap, SfuPublisher } from '../sfu.js';
import type { JanusEventFrame } from './janus-channel.js';
import { JanusClient, type JanusClientContext, type JanusClientInit } from './janus-client.js';
import type { JanusHandle } from './janus-handle.js';
import { pluginErrorCode } from './janus-messages.js';
import { publisherStreams } from './publisher-streams.js';

/** How long {@link JanusPublisher.streams} waits for the first offer/answer at most. */
const STREAMS_WAIT_MS = 10_000;

/** Where Janus forwards a publisher's stream to (another Janus's remote publisher). */
export interface RemoteTarget {
  /** Who asked (the proxy session), part of Janus's id of the forwarding. */
  requester: string;
  host: string;
  port: number;
  rtcpPort: number;
}

/** A videoroom request Janus refused, with its code (e.g. 436: the id exists). */
export class VideoroomRequestError extends Error {
  readonly request: string;
  readonly code: number;
  readonly reason: string;

  constructor(request: string, code: number, reason: string) {
    super(`${request} failed (${code}): ${reason}`);
    this.name = 'VideoroomRequestError';
    this.request = request;
    this.code = code;
    this.reason = reason;
  }
}

/** Janus "feed" ids of the one publisher in each room, by stream type (upstream's values). */
export const FEED_IDS = { video: 1, screen: 2 } as const;

/** Extra context of a publisher. */
export interface JanusPublisherContext extends JanusClientContext {
  /** The publisher's WebRTC connection to Janus is up (subscribers waiting for the feed go on). */
  connected: (publisher: JanusPublisher) => void;
}

/**
 * A published stream: a Janus handle that joined, as the only publisher, a videoroom room created
 * for this stream. Offers are sent with `configure`; closing destroys the room, which ends its
 * subscribers too.
 */
export class JanusPublisher extends JanusClient implements SfuPublisher {
  mediaTypes: number;
  /** Bitrate cap of the room. */
  readonly bitrate: number;
  readonly #context: JanusPublisherContext;
  #connected = false;
  /** The last offer and Janus's answer to it (the streams are read from them). */
  #sdp: { offer: string; answer: string } | undefined;
  #sdpWaiters: (() => void)[] = [];

  constructor(
    handle: JanusHandle,
    init: JanusClientInit & { mediaTypes: number; bitrate: number },
    context: JanusPublisherContext,
  ) {
    super(handle, init, context);
    this.mediaTypes = init.mediaTypes;
    this.bitrate = init.bitrate;
    this.#context = context;
  }

  /** Whether Janus reported the publisher's connection up (`webrtcup`). */
  get connected(): boolean {
    return this.#connected;
  }

  handle(data: McuData): Promise<JsonMap | undefined> {
    switch (data.type) {
      case 'offer':
        return this.enqueue(async () => {
          const reply = await this.janusHandle.message(
            { request: 'configure', audio: true, video: true, data: true },
            this.filteredJsep(data.payload),
          );
          if (reply.data.error_code !== undefined) {
            throw new Error(`configure failed: ${JSON.stringify(reply.data)}`);
          }
          const offer = data.payload?.sdp;
          const answer = reply.jsep?.sdp;
          if (typeof offer === 'string' && typeof answer === 'string') {
            this.#sdp = { offer, answer };
            for (const wake of this.#sdpWaiters.splice(0)) {
              wake();
            }
          }
          return reply.jsep;
        });
      case 'candidate':
        return this.trickle(data, 'publisher');
      case 'endOfCandidates':
        // Upstream ignores it (Janus learns the end from the SDP or an empty candidate).
        return Promise.resolve(undefined);
      default:
        return Promise.reject(new Error(`unsupported message type: ${data.type}`));
    }
  }

  /**
   * The published streams (upstream's `get-publisher-streams`), waiting up to `waitMs` for the
   * first offer to be answered.
   */
  async streams(waitMs = STREAMS_WAIT_MS): Promise<ReturnType<typeof publisherStreams>> {
    if (this.#sdp === undefined) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#sdpWaiters = this.#sdpWaiters.filter((w) => w !== wake);
          reject(new Error('no offer and/or answer processed yet'));
        }, waitMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.#sdpWaiters.push(wake);
      });
    }
    const sdp = this.#sdp;
    return sdp === undefined ? [] : publisherStreams(sdp.offer, sdp.answer);
  }

  /** Janus starts forwarding this stream to a remote publisher of another Janus. */
  publishRemote(target: RemoteTarget): Promise<void> {
    return this.#remoteRequest({
      request: 'publish_remotely',
      room: this.roomId,
      publisher_id: FEED_IDS[this.streamType as keyof typeof FEED_IDS],
      remote_id: this.#remoteId(target),
      host: target.host,
      port: target.port,
      rtcp_port: target.rtcpPort,
    });
  }

  /** Janus stops forwarding this stream to `target`. */
  unpublishRemote(target: RemoteTarget): Promise<void> {
    return this.#remoteRequest({
      request: 'unpublish_remotely',
      room: this.roomId,
      publisher_id: FEED_IDS[this.streamType as keyof typeof FEED_IDS],
      remote_id: this.#remoteId(target),
    });
  }

  /** Janus's name of one forwarding: publisher, requester and destination (as upstream builds it). */
  #remoteId(target: RemoteTarget): string {
    return `${this.publisherId}-${target.requester}@${target.host}:${target.port}:${target.rtcpPort}`;
  }

  async #remoteRequest(body: Record<string, unknown>): Promise<void> {
    const reply = await this.janusHandle.message(body);
    const code = pluginErrorCode(reply.data);
    const error = reply.data.error;
    if (code !== 0 || typeof error === 'string') {
      throw new VideoroomRequestError(
        String(body.request),
        code === 0 ? 500 : code,
        typeof error === 'string' ? error : 'unknown error',
      );
    }
  }

  protected onJanusEvent(frame: JanusEventFrame): void {
    switch (frame.janus) {
      case 'webrtcup':
        this.#connected = true;
        this.context.logger.debug('publisher connected', { publisher: this.id });
        this.#context.connected(this);
        return;
      case 'event': {
        const videoroom = frame.plugindata?.data.videoroom;
        if (videoroom === 'destroyed') {
          this.context.logger.info('publisher room destroyed, closing', { publisher: this.id });
          void this.close();
        }
        return;
      }
      default:
        return;
    }
  }

  protected override async beforeDetach(): Promise<void> {
    await this.janusHandle.message({ request: 'destroy', room: this.roomId });
  }
}
