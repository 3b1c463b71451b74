import { EventEmitter } from 'node:events';
import type { Logger } from '../../logger.js';
import { JanusCodes, JanusError, SfuClosedError } from '../errors.js';
import type { JanusChannel, JanusEventFrame } from './janus-channel.js';
import type { Jsep, PluginReply, TrickleCandidate } from './janus-messages.js';

/** The Janus plugin every handle attaches to. */
export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';

/** Events of a {@link JanusHandle}. */
export type JanusHandleEvents = {
  /** An event Janus sent for this handle (plugin event, webrtcup, hangup, trickle, …). */
  event: [frame: JanusEventFrame];
  /** The handle is gone: detached, or its session or connection went away. */
  closed: [];
};

/**
 * One videoroom plugin handle in the gateway's Janus session. Created by
 * {@link JanusGateway.attach}; the gateway routes the handle's events here and calls
 * {@link gatewayClosed} when the connection or session is lost.
 */
export class JanusHandle extends EventEmitter<JanusHandleEvents> {
  /** Janus's handle id. */
  readonly id: number;
  readonly #channel: JanusChannel;
  readonly #sessionId: number;
  readonly #logger: Logger;
  readonly #onDetached: (handle: JanusHandle) => void;
  #closed = false;

  constructor(
    id: number,
    sessionId: number,
    channel: JanusChannel,
    logger: Logger,
    onDetached: (handle: JanusHandle) => void,
  ) {
    super();
    this.id = id;
    this.#sessionId = sessionId;
    this.#channel = channel;
    this.#logger = logger;
    this.#onDetached = onDetached;
  }

  /** Whether the handle can no longer be used. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends a plugin message and resolves with the plugin's reply: synchronous requests (`create`,
   * `destroy`) answer with `success`, asynchronous ones (`join`, `configure`, `start`) with an
   * `event`, possibly carrying a session description. Plugin errors come back as data with
   * `error_code`; Janus core errors reject with a {@link JanusError}.
   */
  async message(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginReply> {
    const request: Record<string, unknown> = { body };
    if (jsep !== undefined) {
      request.jsep = jsep;
    }
    const frame = await this.#send('message', request);
    if (frame.janus !== 'success' && frame.janus !== 'event') {
      throw new JanusError(0, `unexpected reply ${frame.janus} to a plugin message`);
    }
    const reply: PluginReply = { data: frame.plugindata?.data ?? {} };
    if (frame.janus === 'event' && frame.jsep !== undefined) {
      reply.jsep = frame.jsep;
    }
    return reply;
  }

  /** Trickles one candidate (or `{completed: true}`). */
  async trickle(candidate: TrickleCandidate | Record<string, unknown>): Promise<void> {
    await this.#send('trickle', { candidate });
  }

  /** Detaches from Janus (best effort) and closes the handle. Idempotent. */
  async detach(): Promise<void> {
    if (this.#closed) {
      return;
    }
    try {
      if (!this.#channel.closed) {
        await this.#send('detach', {});
      }
    } catch (err) {
      if (!(err instanceof JanusError && err.code === JanusCodes.handleNotFound)) {
        this.#logger.debug('janus detach failed', { handle: this.id, error: String(err) });
      }
    } finally {
      this.gatewayClosed();
    }
  }

  #send(
    janus: 'message' | 'trickle' | 'detach',
    fields: Record<string, unknown>,
  ): ReturnType<JanusChannel['request']> {
    if (this.#closed) {
      return Promise.reject(new SfuClosedError('handle closed'));
    }
    return this.#channel.request({
      janus,
      session_id: this.#sessionId,
      handle_id: this.id,
      ...fields,
    });
  }

  /** Routed by the gateway: an event for this handle. */
  dispatch(frame: JanusEventFrame): void {
    if (this.#closed) {
      return;
    }
    this.emit('event', frame);
    if (frame.janus === 'detached') {
      this.gatewayClosed();
    }
  }

  /** The handle is gone (detached, or the session/connection was lost). Idempotent. */
  gatewayClosed(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#onDetached(this);
    this.emit('closed');
  }
}
