import { VideoroomCodes } from '../errors.js';
import {
  hasSelection,
  type McuData,
  parseStreamSelection,
  type StreamSelection,
} from '../mcu-data.js';
import type { JsonMap, SfuSubscriber } from '../sfu.js';
import type { JanusEventFrame } from './janus-channel.js';
import { JanusClient, type JanusClientContext, type JanusClientInit } from './janus-client.js';
import type { JanusHandle } from './janus-handle.js';
import { pluginErrorCode } from './janus-messages.js';
import type { NotifierWaiter } from './notifier.js';
import { FEED_IDS } from './publisher.js';

/** Extra context of a subscriber. */
export interface JanusSubscriberContext extends JanusClientContext {
  /** `[mcu] timeout`. */
  timeoutMs: number;
  /** Janus ≥ 1.0 takes `streams: [{feed}]` instead of `feed`. */
  multistream: boolean;
  /** A fresh handle for the publisher's current room (re-join after "already joined"). */
  reattach: () => Promise<{ handle: JanusHandle; roomId: number }>;
  /** Registers for the publisher's next `webrtcup`. */
  publisherConnected: () => NotifierWaiter;
}

/**
 * A subscription to one published stream: a Janus handle that joins the publisher's room as a
 * subscriber. `requestoffer`/`sendoffer` join (or, with the same `sid`, renegotiate with
 * `configure update`) and yield Janus's offer; the client's answer goes back with `start`. The
 * `sid` is the handle id, as upstream.
 */
export class JanusSubscriber extends JanusClient implements SfuSubscriber {
  readonly #context: JanusSubscriberContext;

  constructor(handle: JanusHandle, init: JanusClientInit, context: JanusSubscriberContext) {
    super(handle, init, context);
    this.#context = context;
  }

  handle(data: McuData): Promise<JsonMap | undefined> {
    switch (data.type) {
      case 'requestoffer':
      case 'sendoffer':
        return this.enqueue(() => {
          const selection = parseStreamSelection(data.payload);
          return data.sid === '' || data.sid !== this.sid
            ? this.#join(selection)
            : this.#update(selection);
        });
      case 'answer':
        return this.enqueue(async () => {
          if (data.sid !== '' && data.sid !== this.sid) {
            throw new Error(
              `answer message sid (${data.sid}) does not match subscriber sid (${this.sid})`,
            );
          }
          const reply = await this.janusHandle.message(
            { request: 'start', room: this.roomId },
            this.filteredJsep(data.payload),
          );
          const code = pluginErrorCode(reply.data);
          if (code !== 0) {
            throw new Error(`start failed: ${JSON.stringify(reply.data)}`);
          }
          return undefined;
        });
      case 'candidate':
        return this.trickle(data, 'subscriber');
      case 'endOfCandidates':
        return Promise.resolve(undefined);
      case 'selectStream': {
        let selection: StreamSelection;
        try {
          selection = parseStreamSelection(data.payload);
        } catch (err) {
          return Promise.reject(err);
        }
        if (!hasSelection(selection)) {
          return Promise.resolve(undefined);
        }
        return this.enqueue(async () => {
          await this.janusHandle.message({ request: 'configure', ...selection });
          return undefined;
        });
      }
      default:
        return Promise.reject(new Error(`unsupported message type: ${data.type}`));
    }
  }

  async #join(selection: StreamSelection): Promise<JsonMap | undefined> {
    const feed = FEED_IDS[this.streamType as keyof typeof FEED_IDS];
    const deadline = Date.now() + this.#context.timeoutMs;
    const connected = this.#context.publisherConnected();
    try {
      for (;;) {
        const join: Record<string, unknown> = {
          request: 'join',
          ptype: 'subscriber',
          room: this.roomId,
          ...(this.#context.multistream ? { streams: [{ feed }] } : { feed }),
          ...selection,
        };
        const reply = await this.janusHandle.message(join);
        const code = pluginErrorCode(reply.data);
        if (code === 0) {
          return reply.jsep;
        }
        switch (code) {
          case VideoroomCodes.alreadyJoined: {
            // Still joined from an earlier offer (e.g. the client left and re-joined the call):
            // Janus only sends a new offer to a new handle.
            const previous = this.janusHandle;
            const fresh = await this.#context.reattach();
            this.janusHandle = fresh.handle;
            this.roomId = fresh.roomId;
            this.sid = String(fresh.handle.id);
            this.watch(fresh.handle);
            void previous.detach();
            this.context.logger.info('subscriber re-joins on a new handle', {
              subscriber: this.id,
              sid: this.sid,
            });
            continue;
          }
          case VideoroomCodes.noSuchRoom:
            void this.close();
            throw new Error(`publisher ${this.publisherId} not created yet for ${this.streamType}`);
          case VideoroomCodes.noSuchFeed: {
            // The publisher exists but is not sending yet: wait for its webrtcup, then retry.
            const left = deadline - Date.now();
            if (left <= 0 || !(await connected.wait(left))) {
              void this.close();
              throw new Error(`publisher ${this.publisherId} did not start sending in time`);
            }
            continue;
          }
          default:
            throw new Error(`error joining room as subscriber: ${JSON.stringify(reply.data)}`);
        }
      }
    } finally {
      connected.release();
    }
  }

  async #update(selection: StreamSelection): Promise<JsonMap | undefined> {
    const reply = await this.janusHandle.message({
      request: 'configure',
      update: true,
      ...selection,
    });
    return reply.jsep;
  }

  protected onJanusEvent(frame: JanusEventFrame): void {
    if (frame.janus !== 'event') {
      return;
    }
    const data = frame.plugindata?.data ?? {};
    switch (data.videoroom) {
      case 'destroyed':
        this.context.logger.info('subscribed room destroyed, closing', { subscriber: this.id });
        void this.close();
        return;
      case 'updated': {
        const streams = Array.isArray(data.streams) ? data.streams : [];
        if (streams.length === 0) {
          return;
        }
        const active = streams.some(
          (s) =>
            typeof s === 'object' &&
            s !== null &&
            ((s as JsonMap).type === 'audio' || (s as JsonMap).type === 'video') &&
            (s as JsonMap).active !== false,
        );
        if (!active) {
          this.context.logger.info('subscriber has no active media left, closing', {
            subscriber: this.id,
          });
          void this.close();
        }
        return;
      }
      case 'event':
        if (data.configured === 'ok' && frame.jsep?.type === 'offer') {
          this.emit('updateOffer', frame.jsep);
        }
        return;
      default:
        return;
    }
  }
}
