/**
 * A publisher of another Janus made available in ours (Janus ≥ 1.1 remote publishers): a room of
 * its own with a remote publisher that receives the stream on `port`/`rtcpPort` from the other
 * Janus's `publish_remotely`. Subscribers join the room as for a local publisher.
 */
import { EventEmitter } from 'node:events';
import type { ProxyPublisherStream } from '@spreed-ts/protocol';
import type { Logger } from '../../logger.js';
import type { StreamType } from '../mcu-data.js';
import type { JanusHandle } from './janus-handle.js';
import { FEED_IDS } from './publisher.js';

export type JanusRemoteFeedEvents = { closed: [] };

export class JanusRemoteFeed extends EventEmitter<JanusRemoteFeedEvents> {
  readonly publisherId: string;
  readonly streamType: StreamType;
  readonly roomId: number;
  /** Where our Janus expects the RTP and RTCP of the stream. */
  readonly port: number;
  readonly rtcpPort: number;
  readonly streams: readonly ProxyPublisherStream[];
  readonly #handle: JanusHandle;
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;

  constructor(
    handle: JanusHandle,
    init: {
      publisherId: string;
      streamType: StreamType;
      roomId: number;
      port: number;
      rtcpPort: number;
      streams: readonly ProxyPublisherStream[];
    },
    logger: Logger,
  ) {
    super();
    this.#handle = handle;
    this.#logger = logger;
    this.publisherId = init.publisherId;
    this.streamType = init.streamType;
    this.roomId = init.roomId;
    this.port = init.port;
    this.rtcpPort = init.rtcpPort;
    this.streams = init.streams;
    handle.once('closed', () => void this.close());
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Removes the remote publisher, destroys the room (ending its subscribers), detaches. */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closing = this.#close();
      this.emit('closed');
    }
    return this.#closing;
  }

  async #close(): Promise<void> {
    const feed = FEED_IDS[this.streamType as keyof typeof FEED_IDS];
    try {
      await this.#handle.message({
        request: 'remove_remote_publisher',
        room: this.roomId,
        id: feed,
      });
      await this.#handle.message({ request: 'destroy', room: this.roomId });
    } catch (err) {
      this.#logger.debug('could not remove remote publisher', {
        room: this.roomId,
        error: String(err),
      });
    }
    await this.#handle.detach().catch(() => undefined);
    this.#logger.info('remote publisher removed', {
      publisher: this.publisherId,
      room: this.roomId,
    });
  }
}
