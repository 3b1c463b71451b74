import type { McuData } from '../mcu-data.js';
import type { JsonMap, SfuPublisher } from '../sfu.js';
import type { JanusEventFrame } from './janus-channel.js';
import { JanusClient, type JanusClientContext, type JanusClientInit } from './janus-client.js';
import type { JanusHandle } from './janus-handle.js';

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
