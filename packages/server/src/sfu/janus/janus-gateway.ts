import { EventEmitter } from 'node:events';
import type { Logger } from '../../logger.js';
import { JanusCodes, JanusError, SfuClosedError } from '../errors.js';
import { JanusChannel, type JanusChannelOptions, type JanusEventFrame } from './janus-channel.js';
import { JanusHandle, VIDEOROOM_PLUGIN } from './janus-handle.js';

/** Upstream's intervals: keepalive every 30 s, reconnect after 1 s doubling up to 16 s. */
export const JANUS_TIMINGS = {
  keepaliveMs: 30_000,
  reconnectInitialMs: 1_000,
  reconnectMaxMs: 16_000,
};

/** What Janus told about itself (`info`). */
export interface JanusServerInfo {
  name: string;
  version: number;
  versionString: string;
  fullTrickle: boolean;
  dataChannels: boolean;
}

/** Options of {@link JanusGateway}. */
export interface JanusGatewayOptions {
  /** `ws://host:port` of Janus's WebSocket transport. */
  url: string;
  /** `[mcu] timeout`: for every request. */
  timeoutMs: number;
  logger: Logger;
  /** Test knobs. */
  timings?: Partial<typeof JANUS_TIMINGS>;
  /** Opens the channel (tests inject failures). */
  open?: (url: string, options: JanusChannelOptions) => Promise<JanusChannel>;
}

/** Events of a {@link JanusGateway}. */
export type JanusGatewayEvents = {
  /** A Janus session exists; handles can be attached. */
  connected: [info: JanusServerInfo];
  /** The connection or session was lost; every handle was closed. A reconnect is scheduled. */
  disconnected: [reason: string];
};

/**
 * The connection to Janus: one {@link JanusChannel}, one Janus session kept alive every 30 s, the
 * handles attached in it, and reconnects with backoff (1 s doubling to 16 s) whenever the
 * connection or session is lost. Losing it closes every handle (their owners tear down).
 */
export class JanusGateway extends EventEmitter<JanusGatewayEvents> {
  readonly #options: JanusGatewayOptions;
  readonly #timings: typeof JANUS_TIMINGS;
  readonly #handles = new Map<number, JanusHandle>();
  #channel: JanusChannel | undefined;
  #sessionId: number | undefined;
  #info: JanusServerInfo | undefined;
  #keepalive: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #delay: number;
  #started = false;
  #stopped = false;
  #connecting = false;

  constructor(options: JanusGatewayOptions) {
    super();
    this.#options = options;
    this.#timings = { ...JANUS_TIMINGS, ...options.timings };
    this.#delay = this.#timings.reconnectInitialMs;
  }

  /** Whether a Janus session is up. */
  get connected(): boolean {
    return this.#sessionId !== undefined;
  }

  /** Janus's self-description while connected. */
  get info(): JanusServerInfo | undefined {
    return this.#info;
  }

  /** Number of live handles (tests, stats). */
  get handleCount(): number {
    return this.#handles.size;
  }

  /** Starts connecting (in the background, retrying until {@link close}). */
  start(): void {
    if (this.#started) {
      return;
    }
    this.#started = true;
    void this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#stopped || this.#connecting || this.connected) {
      return;
    }
    this.#connecting = true;
    const { url, timeoutMs, logger } = this.#options;
    let channel: JanusChannel | undefined;
    try {
      const open = this.#options.open ?? JanusChannel.open;
      channel = await open(url, { timeoutMs, logger });
      if (this.#stopped) {
        channel.close();
        return;
      }
      channel.on('closed', (reason) => this.#lost(channel as JanusChannel, reason));
      channel.on('event', (frame) => this.#route(frame));
      const info = await this.#serverInfo(channel);
      const created = await channel.request({ janus: 'create' });
      const id = created.janus === 'success' ? created.data?.id : undefined;
      if (typeof id !== 'number') {
        throw new Error('janus create: no session id');
      }
      if (this.#stopped || channel.closed) {
        channel.close();
        return;
      }
      this.#channel = channel;
      this.#sessionId = id;
      this.#info = info;
      this.#delay = this.#timings.reconnectInitialMs;
      this.#keepalive = setInterval(() => void this.#sendKeepalive(), this.#timings.keepaliveMs);
      this.#keepalive.unref();
      logger.info('connected to janus', { url, version: info.versionString, session: id });
      if (!info.fullTrickle) {
        logger.warn('janus does not use full trickle (nat: full_trickle = true)');
      }
      this.emit('connected', info);
    } catch (err) {
      channel?.removeAllListeners();
      channel?.close();
      logger.warn('janus connection failed', { url, error: String(err) });
      this.#schedule();
    } finally {
      this.#connecting = false;
    }
  }

  async #serverInfo(channel: JanusChannel): Promise<JanusServerInfo> {
    const reply = await channel.request({ janus: 'info' });
    if (reply.janus !== 'server_info') {
      throw new Error(`janus info: unexpected reply ${reply.janus}`);
    }
    const raw = reply.info;
    const plugins = raw.plugins;
    if (typeof plugins !== 'object' || plugins === null || !(VIDEOROOM_PLUGIN in plugins)) {
      throw new Error(`plugin ${VIDEOROOM_PLUGIN} is not supported`);
    }
    if (raw.data_channels !== true) {
      throw new Error('data channels are not supported');
    }
    return {
      name: String(raw.name ?? ''),
      version: typeof raw.version === 'number' ? raw.version : 0,
      versionString: String(raw.version_string ?? ''),
      fullTrickle: raw['full-trickle'] === true,
      dataChannels: true,
    };
  }

  #schedule(): void {
    if (this.#stopped || this.#reconnect !== undefined) {
      return;
    }
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#timings.reconnectMaxMs);
    this.#options.logger.info('reconnecting to janus', { inMs: delay });
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined;
      void this.#connect();
    }, delay);
    this.#reconnect.unref();
  }

  async #sendKeepalive(): Promise<void> {
    const channel = this.#channel;
    if (channel === undefined || this.#sessionId === undefined) {
      return;
    }
    try {
      await channel.request({ janus: 'keepalive', session_id: this.#sessionId });
    } catch (err) {
      if (channel !== this.#channel) {
        return;
      }
      // A lost session or a connection that no longer answers: start over.
      const sessionLost = err instanceof JanusError && err.code === JanusCodes.sessionNotFound;
      this.#options.logger.warn('janus keepalive failed', { error: String(err) });
      if (sessionLost || !(err instanceof JanusError)) {
        channel.close();
      }
    }
  }

  #route(frame: JanusEventFrame): void {
    if (frame.janus === 'timeout' && frame.session_id === this.#sessionId) {
      this.#options.logger.warn('janus session timed out');
      this.#channel?.close();
      return;
    }
    if (frame.sender === undefined) {
      this.#options.logger.debug('janus event without handle dropped', { type: frame.janus });
      return;
    }
    const handle = this.#handles.get(frame.sender);
    if (handle === undefined) {
      this.#options.logger.debug('janus event for unknown handle dropped', {
        type: frame.janus,
        handle: frame.sender,
      });
      return;
    }
    handle.dispatch(frame);
  }

  #lost(channel: JanusChannel, reason: string): void {
    if (channel !== this.#channel) {
      return;
    }
    const wasConnected = this.connected;
    this.#channel = undefined;
    this.#sessionId = undefined;
    this.#info = undefined;
    clearInterval(this.#keepalive);
    this.#keepalive = undefined;
    for (const handle of [...this.#handles.values()]) {
      handle.gatewayClosed();
    }
    this.#handles.clear();
    if (wasConnected) {
      this.#options.logger.warn('connection to janus lost', { reason });
      this.emit('disconnected', reason);
    }
    this.#schedule();
  }

  /** Attaches a new videoroom handle; rejects with {@link SfuClosedError} while disconnected. */
  async attach(): Promise<JanusHandle> {
    const channel = this.#channel;
    const sessionId = this.#sessionId;
    if (channel === undefined || sessionId === undefined) {
      throw new SfuClosedError();
    }
    const reply = await channel.request({
      janus: 'attach',
      session_id: sessionId,
      plugin: VIDEOROOM_PLUGIN,
    });
    const id = reply.janus === 'success' ? reply.data?.id : undefined;
    if (typeof id !== 'number') {
      throw new Error('janus attach: no handle id');
    }
    const handle = new JanusHandle(id, sessionId, channel, this.#options.logger, (h) => {
      if (this.#handles.get(h.id) === h) {
        this.#handles.delete(h.id);
      }
    });
    if (channel !== this.#channel) {
      // Lost while attaching.
      handle.gatewayClosed();
      throw new SfuClosedError();
    }
    this.#handles.set(id, handle);
    return handle;
  }

  /** Stops reconnecting, destroys the Janus session (best effort) and closes the connection. */
  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#reconnect);
    this.#reconnect = undefined;
    const channel = this.#channel;
    const sessionId = this.#sessionId;
    if (channel && sessionId !== undefined) {
      try {
        await channel.request({ janus: 'destroy', session_id: sessionId }, 2_000);
      } catch {
        // Janus drops the session on its own after its session timeout.
      }
      channel.close();
    }
  }
}
