import { EventEmitter } from 'node:events';
import type { Logger } from '../../logger.js';
import { SfuClosedError } from '../errors.js';
import type { McuData, StreamType } from '../mcu-data.js';
import { type CandidateFilter, filterSdpCandidates } from '../sdp.js';
import type { JsonMap, SfuClientEvents } from '../sfu.js';
import type { JanusEventFrame } from './janus-channel.js';
import type { JanusHandle } from './janus-handle.js';
import type { Jsep } from './janus-messages.js';

/** What publishers and subscribers need from their {@link JanusSfu}. */
export interface JanusClientContext {
  logger: Logger;
  filter: () => CandidateFilter;
}

/** Identity of a publisher or subscriber. */
export interface JanusClientInit {
  id: string;
  sid: string;
  streamType: StreamType;
  publisherId: string;
  roomId: number;
}

/**
 * What publishers and subscribers share (upstream's janusClient): the Janus handle, a queue that
 * runs the client's requests one at a time in arrival order, ICE candidates from Janus, and the
 * close protocol (hangup/detach/lost connection end the object; `closed` is emitted once).
 */
export abstract class JanusClient extends EventEmitter<SfuClientEvents> {
  readonly id: string;
  sid: string;
  readonly streamType: StreamType;
  readonly publisherId: string;
  roomId: number;
  protected readonly context: JanusClientContext;
  protected janusHandle: JanusHandle;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(handle: JanusHandle, init: JanusClientInit, context: JanusClientContext) {
    super();
    this.id = init.id;
    this.sid = init.sid;
    this.streamType = init.streamType;
    this.publisherId = init.publisherId;
    this.roomId = init.roomId;
    this.context = context;
    this.janusHandle = handle;
    this.watch(handle);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Routes `handle`'s events here (also for a replacement handle). */
  protected watch(handle: JanusHandle): void {
    handle.on('event', (frame) => {
      if (handle === this.janusHandle) {
        this.#event(frame);
      }
    });
    handle.once('closed', () => {
      if (handle === this.janusHandle && !this.#closed && this.#closing === undefined) {
        // Detached by Janus or the connection was lost: nothing left to clean up in Janus.
        this.context.logger.debug('sfu client lost its janus handle', { client: this.id });
        this.#finish();
      }
    });
  }

  #event(frame: JanusEventFrame): void {
    switch (frame.janus) {
      case 'trickle': {
        const c = frame.candidate;
        if (c.completed === true) {
          // The signaling server sends nothing to its clients for this; the proxy reports it.
          this.emit('iceCompleted');
          return;
        }
        this.emit('candidate', {
          sdpMid: c.sdpMid,
          sdpMLineIndex: c.sdpMLineIndex,
          candidate: c.candidate,
        });
        return;
      }
      case 'hangup':
        this.context.logger.info('sfu client hung up', { client: this.id, reason: frame.reason });
        void this.close();
        return;
      case 'detached':
        void this.close();
        return;
      default:
        this.onJanusEvent(frame);
    }
  }

  /** Plugin events, webrtcup, media, slowlink. */
  protected abstract onJanusEvent(frame: JanusEventFrame): void;

  /** Upstream's SendMessage. */
  abstract handle(data: McuData): Promise<JsonMap | undefined>;

  /** Runs `task` after every task queued before it (upstream's per-client deferred channel). */
  protected enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) {
        throw new SfuClosedError('client closed');
      }
      return task();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The client's SDP with filtered candidates removed. */
  protected filteredJsep(payload: JsonMap | undefined): Jsep {
    const jsep = { ...payload } as Jsep;
    if (typeof jsep.sdp === 'string') {
      const filtered = filterSdpCandidates(jsep.sdp, this.context.filter());
      if (filtered !== undefined) {
        jsep.sdp = filtered;
      }
    }
    return jsep;
  }

  /** Trickles the candidate of a `candidate` message if its `sid` matches. */
  protected trickle(data: McuData, kind: string): Promise<undefined> {
    return this.enqueue(async () => {
      if (data.sid !== '' && data.sid !== this.sid) {
        throw new Error(
          `candidate message sid (${data.sid}) does not match ${kind} sid (${this.sid})`,
        );
      }
      await this.janusHandle.trickle(data.payload?.candidate as Record<string, unknown>);
      return undefined;
    });
  }

  /** Janus-side cleanup before the handle is detached (publishers destroy their room). */
  protected async beforeDetach(): Promise<void> {}

  /** Closes the client: Janus cleanup, detach, then `closed`. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) {
      return Promise.resolve();
    }
    this.#closing ??= (async () => {
      try {
        if (!this.janusHandle.closed) {
          await this.beforeDetach();
          await this.janusHandle.detach();
        }
      } catch (err) {
        this.context.logger.debug('sfu client cleanup failed', {
          client: this.id,
          error: String(err),
        });
      } finally {
        this.#finish();
      }
    })();
    return this.#closing;
  }

  #finish(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.emit('closed');
  }
}
