import { EventEmitter } from 'node:events';
import type { LookupFunction } from 'node:net';
import {
  decodeProxyServerFrame,
  type ProxyClientMessage,
  type ProxyEvent,
  type ProxyEventBandwidth,
  type ProxyPayloadResponse,
  type ProxyServerMessage,
} from '@spreed-ts/protocol';
import { requireCjs } from '../../cjs.js';
import type { Logger } from '../../logger.js';
import { SfuClosedError, SfuTimeoutError } from '../errors.js';
import { isKnownCountry } from './continent-map.js';

// Required, not imported: see ../../cjs.ts.
type WebSocket = import('ws').WebSocket;
const { WebSocket } = requireCjs('ws') as typeof import('ws');

/** Upstream's reconnect backoff: 1 s doubling up to 16 s, each wait jittered by ±50 %. */
export const PROXY_BACKOFF = { initialMs: 1_000, maxMs: 16_000 } as const;
/** Largest frame accepted from a proxy (offers with many candidates stay far below). */
const MAX_FRAME_BYTES = 1024 * 1024;
/** How often the connection is pinged; a missing pong by the next ping ends it. */
const PING_INTERVAL_MS = 30_000;
/** Answers to requests that timed out, kept to clean up what they created (bounded). */
const MAX_LATE = 1_000;

/** Options of {@link ProxyConnection}. */
export interface ProxyConnectionOptions {
  /** The proxy's base URL as configured (`<url>proxy` is dialled). */
  url: string;
  /** With DNS discovery: the address to connect to (host name kept for TLS and `Host`). */
  ip?: string;
  /** A fresh hello token. */
  token: () => string;
  /** `[mcu] proxytimeout` (read at each use: reloadable). */
  timeoutMs: () => number;
  /** `[mcu] skipverify`. */
  skipVerify: boolean;
  logger: Logger;
  /** Reconnect backoff (tests shorten it). */
  backoff?: { initialMs: number; maxMs: number };
}

/** Events of a {@link ProxyConnection}. */
export type ProxyConnectionEvents = {
  /** Hello answered: usable. `resumed`: the earlier session (and its objects) lives on. */
  ready: [resumed: boolean];
  /** The WebSocket is gone; the session may still be resumed. */
  down: [];
  /** The publishers and subscribers created on this connection are gone. */
  reset: [why: string];
  /** A payload the proxy sends on its own (candidate, renegotiation offer). */
  payload: [payload: ProxyPayloadResponse];
  /** An event about one publisher or subscriber. */
  clientEvent: [event: ProxyEvent];
  /** Load, bandwidth, shutdown state or the state of the proxy's Janus changed. */
  changed: [];
  /** The proxy refused our hello (e.g. it does not know our token); it is retried later. */
  refused: [code: string];
};

interface Pending {
  resolve: (message: ProxyServerMessage) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  late: ((message: ProxyServerMessage) => void) | undefined;
}

/** A request to a proxy without its `id` (the connection numbers them). */
export type ProxyRequest =
  | { type: 'command'; command: Extract<ProxyClientMessage, { type: 'command' }>['command'] }
  | { type: 'payload'; payload: Extract<ProxyClientMessage, { type: 'payload' }>['payload'] };

/** The WebSocket URL of a proxy's API for its configured base URL. */
export function proxyApiUrl(base: string): string {
  const url = new URL('proxy', base);
  if (url.protocol === 'http:') {
    url.protocol = 'ws:';
  } else if (url.protocol === 'https:') {
    url.protocol = 'wss:';
  }
  return url.toString();
}

/**
 * One connection to a signaling proxy (upstream's proxyConnection): dials `<url>proxy`, says hello
 * with a token (or resumes its session after a reconnect), numbers requests and matches answers,
 * and reconnects with upstream's backoff for as long as it is not stopped. Frames are validated with
 * the protocol package; one that does not validate is logged with the proxy's URL and dropped.
 *
 * The proxy's session outlives a dropped WebSocket, so publishers and subscribers are kept while a
 * reconnect may resume it. They are given up (`reset`) when the resume is refused, when the first
 * reconnect finds the proxy unreachable (it died: waiting for it would leave clients with dead
 * media), when the proxy says goodbye or when it lost its Janus.
 */
export class ProxyConnection extends EventEmitter<ProxyConnectionEvents> {
  readonly url: string;
  readonly ip: string | undefined;
  readonly #o: ProxyConnectionOptions;
  readonly #backoff: { initialMs: number; maxMs: number };
  #socket: WebSocket | undefined;
  #opened = false;
  #ready = false;
  #stopped = false;
  #started = false;
  #helloId: string | undefined;
  #helloTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #awaitingPong = false;
  #intervalMs: number;
  #nextId = 0;
  readonly #pending = new Map<string, Pending>();
  readonly #late = new Map<string, (message: ProxyServerMessage) => void>();
  #closedWaiters: (() => void)[] = [];

  /** The proxy's session id ('' when there is none to resume). */
  sessionId = '';
  /** From the hello answer. */
  country = '';
  version = '';
  features: string[] = [];
  /** The proxy's load (`update-load`); meaningless while not ready. */
  load = 0;
  bandwidth: ProxyEventBandwidth | undefined;
  /** The proxy announced its shutdown (`shutdown-scheduled`). */
  shutdownScheduled = false;
  /** Being removed (no longer configured): no new objects, closed once empty. */
  closing = false;
  /**
   * Opened only to subscribe to publishers another server placed on this proxy (upstream's
   * temporary connection): never takes publishers, closed once its last subscriber is gone.
   */
  temporary = false;
  /** When the current WebSocket was opened (ms since the epoch), 0 while down. */
  connectedSince = 0;
  /**
   * Whether the proxy has its Janus: false from `backend-disconnected` until `backend-connected`.
   * Every hello answer sets it again (a proxy that is without its Janus says so right after).
   */
  backendConnected = true;

  constructor(options: ProxyConnectionOptions) {
    super();
    this.#o = options;
    this.url = options.url;
    this.ip = options.ip;
    this.#backoff = options.backoff ?? PROXY_BACKOFF;
    this.#intervalMs = this.#backoff.initialMs;
  }

  /** `url (ip)` for log lines. */
  get name(): string {
    return this.ip === undefined ? this.url : `${this.url} (${this.ip})`;
  }

  /** Whether requests can be sent (hello answered). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Whether new publishers can go there: ready and the proxy has its Janus. */
  get usable(): boolean {
    return this.#ready && this.backendConnected;
  }

  /** Connects (and keeps reconnecting until {@link stop}). */
  start(): void {
    if (this.#started || this.#stopped) {
      return;
    }
    this.#started = true;
    this.#connect();
  }

  /** Stops for good: closes the WebSocket, fails pending requests, no more reconnects. */
  async stop(): Promise<void> {
    if (this.#stopped) {
      return;
    }
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    const socket = this.#socket;
    if (socket === undefined) {
      this.#failPending('connection stopped');
      return;
    }
    const closed = new Promise<void>((resolve) => {
      this.#closedWaiters.push(resolve);
      setTimeout(resolve, 1_000).unref();
    });
    try {
      socket.close(1000);
    } catch {
      socket.terminate();
    }
    await closed;
    socket.terminate();
  }

  /**
   * Sends a command or payload and resolves with the proxy's answer (an `error` answer too).
   * Rejects with {@link SfuClosedError} when not connected or the connection drops, with
   * {@link SfuTimeoutError} after `[mcu] proxytimeout`; an answer arriving after that goes to
   * `late` (to delete what the proxy created after all).
   */
  request(
    message: ProxyRequest,
    late?: (message: ProxyServerMessage) => void,
  ): Promise<ProxyServerMessage> {
    const socket = this.#socket;
    if (!this.#ready || socket === undefined) {
      return Promise.reject(new SfuClosedError(`proxy ${this.name} is not connected`));
    }
    const id = String(++this.#nextId);
    const timeoutMs = this.#o.timeoutMs();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        if (late !== undefined && this.#late.size < MAX_LATE) {
          this.#late.set(id, late);
        }
        reject(new SfuTimeoutError(`proxy ${this.name} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer, late });
      socket.send(JSON.stringify({ id, ...message }), (err) => {
        if (err !== undefined && err !== null) {
          const pending = this.#pending.get(id);
          if (pending !== undefined) {
            this.#pending.delete(id);
            clearTimeout(pending.timer);
            reject(new SfuClosedError(`could not send to proxy ${this.name}: ${err.message}`));
          }
        }
      });
    });
  }

  #connect(): void {
    if (this.#stopped) {
      return;
    }
    let target: string;
    try {
      target = proxyApiUrl(this.url);
    } catch (err) {
      this.#o.logger.error('invalid proxy url', { proxy: this.name, error: String(err) });
      this.#scheduleReconnect();
      return;
    }
    const ip = this.ip;
    const lookup: LookupFunction | undefined =
      ip === undefined
        ? undefined
        : (_hostname, options, callback) => {
            const family = ip.includes(':') ? 6 : 4;
            if ((options as { all?: boolean }).all === true) {
              (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(
                null,
                [{ address: ip, family }],
              );
            } else {
              callback(null, ip, family);
            }
          };
    const socket = new WebSocket(target, {
      handshakeTimeout: this.#o.timeoutMs(),
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      rejectUnauthorized: !this.#o.skipVerify,
      ...(lookup === undefined ? {} : { lookup }),
    });
    this.#socket = socket;
    this.#opened = false;
    socket.on('open', () => this.#onOpen(socket));
    socket.on('message', (data, isBinary) => {
      if (this.#socket !== socket) {
        return;
      }
      if (isBinary) {
        this.#o.logger.warn('binary frame from proxy ignored', { proxy: this.name });
        return;
      }
      this.#receive(data.toString());
    });
    socket.on('pong', () => {
      this.#awaitingPong = false;
    });
    socket.on('error', (err) => {
      if (this.#socket !== socket) {
        return;
      }
      if (this.#opened) {
        this.#o.logger.warn('error on proxy connection', { proxy: this.name, error: err.message });
      } else {
        this.#o.logger.warn('could not connect to proxy', { proxy: this.name, error: err.message });
      }
    });
    socket.on('close', (code) => this.#onClose(socket, code));
  }

  #onOpen(socket: WebSocket): void {
    if (this.#socket !== socket) {
      return;
    }
    this.#opened = true;
    this.connectedSince = Date.now();
    this.shutdownScheduled = false;
    this.#o.logger.info('connected to proxy', { proxy: this.name });
    this.#sendHello();
    this.#awaitingPong = false;
    this.#pingTimer = setInterval(() => {
      if (this.#awaitingPong) {
        this.#o.logger.warn('proxy did not answer a ping, reconnecting', { proxy: this.name });
        socket.terminate();
        return;
      }
      this.#awaitingPong = true;
      socket.ping();
    }, PING_INTERVAL_MS);
    this.#pingTimer.unref();
  }

  #sendHello(): void {
    const socket = this.#socket;
    if (socket === undefined) {
      return;
    }
    const id = String(++this.#nextId);
    this.#helloId = id;
    let hello: { version: string; resumeid?: string; token?: string };
    try {
      hello =
        this.sessionId !== ''
          ? { version: '1.0', resumeid: this.sessionId }
          : { version: '1.0', token: this.#o.token() };
    } catch (err) {
      this.#o.logger.error('could not create a proxy token', {
        proxy: this.name,
        error: String(err),
      });
      socket.terminate();
      return;
    }
    clearTimeout(this.#helloTimer);
    this.#helloTimer = setTimeout(() => {
      if (this.#socket === socket && this.#helloId === id) {
        this.#o.logger.warn('proxy did not answer hello in time, reconnecting', {
          proxy: this.name,
          timeoutMs: this.#o.timeoutMs(),
        });
        socket.terminate();
      }
    }, this.#o.timeoutMs());
    socket.send(JSON.stringify({ id, type: 'hello', hello }));
  }

  #onClose(socket: WebSocket, code: number): void {
    for (const resolve of this.#closedWaiters) {
      resolve();
    }
    this.#closedWaiters = [];
    if (this.#socket !== socket) {
      return;
    }
    this.#socket = undefined;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#helloTimer);
    this.#helloId = undefined;
    this.connectedSince = 0;
    this.#failPending(`connection to proxy ${this.name} closed`);
    this.#late.clear();
    const wasReady = this.#ready;
    this.#ready = false;
    if (this.#opened) {
      if (!this.#stopped) {
        this.#o.logger.warn('connection to proxy lost', { proxy: this.name, code });
      }
    } else if (this.sessionId !== '') {
      // The first reconnect after a loss failed: the proxy is gone with its session.
      this.#o.logger.warn('proxy unreachable, its publishers and subscribers are gone', {
        proxy: this.name,
      });
      this.sessionId = '';
      this.emit('reset', 'proxy unreachable');
    }
    if (wasReady) {
      this.emit('down');
    }
    if (this.#stopped) {
      if (this.sessionId !== '') {
        this.sessionId = '';
        this.emit('reset', 'connection stopped');
      }
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#stopped) {
      return;
    }
    const interval = this.#intervalMs;
    const delay = interval + Math.floor(Math.random() * interval) - Math.floor(interval / 2);
    this.#intervalMs = Math.min(interval * 2, this.#backoff.maxMs);
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => this.#connect(), Math.max(0, delay));
    this.#reconnectTimer.unref();
  }

  #failPending(why: string): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new SfuClosedError(why));
      this.#pending.delete(id);
    }
  }

  #receive(text: string): void {
    let message: ProxyServerMessage;
    try {
      message = decodeProxyServerFrame(text);
    } catch (err) {
      this.#o.logger.warn('invalid frame from proxy dropped', {
        proxy: this.name,
        error: (err as Error).message,
        frame: text.length > 200 ? `${text.slice(0, 200)}…` : text,
      });
      return;
    }
    if (message.id !== undefined && message.id === this.#helloId) {
      this.#helloAnswered(message);
      return;
    }
    if (message.id !== undefined) {
      const pending = this.#pending.get(message.id);
      if (pending !== undefined) {
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        pending.resolve(message);
        return;
      }
      const late = this.#late.get(message.id);
      if (late !== undefined) {
        this.#late.delete(message.id);
        late(message);
        return;
      }
    }
    switch (message.type) {
      case 'payload':
        this.emit('payload', message.payload);
        return;
      case 'event':
        this.#event(message.event);
        return;
      case 'bye':
        this.#o.logger.info('proxy said bye, its session is gone', {
          proxy: this.name,
          reason: message.bye.reason,
        });
        this.#dropSession(`bye: ${message.bye.reason}`);
        // The socket is bound to no session now: every request would get `hello_expected`
        // while the connection still looked ready. Closing it goes down the reconnect path,
        // which says a fresh hello.
        this.#socket?.terminate();
        return;
      case 'error':
        this.#o.logger.warn('error from proxy', {
          proxy: this.name,
          code: message.error.code,
          message: message.error.message,
        });
        return;
      default:
        this.#o.logger.debug('unexpected message from proxy', {
          proxy: this.name,
          type: message.type,
        });
    }
  }

  #helloAnswered(message: ProxyServerMessage): void {
    this.#helloId = undefined;
    clearTimeout(this.#helloTimer);
    const socket = this.#socket;
    switch (message.type) {
      case 'hello': {
        const resumed = this.sessionId !== '' && this.sessionId === message.hello.sessionid;
        if (this.sessionId !== '' && !resumed) {
          this.emit('reset', 'new session');
        }
        this.sessionId = message.hello.sessionid;
        const server = message.hello.server;
        let country = server?.country ?? '';
        if (country !== '' && !isKnownCountry(country)) {
          this.#o.logger.warn('proxy sent an invalid country, ignored', {
            proxy: this.name,
            country,
          });
          country = '';
        }
        this.country = country;
        this.version = server?.version ?? '';
        this.features = server?.features ?? [];
        this.#intervalMs = this.#backoff.initialMs;
        this.backendConnected = true;
        this.#ready = true;
        this.#o.logger.info(resumed ? 'resumed proxy session' : 'proxy session created', {
          proxy: this.name,
          session: this.sessionId,
          ...(country === '' ? {} : { country }),
          ...(this.version === '' ? {} : { version: this.version }),
        });
        this.emit('ready', resumed);
        return;
      }
      case 'error':
        if (message.error.code === 'no_such_session') {
          this.#o.logger.info('proxy session could not be resumed, registering a new one', {
            proxy: this.name,
            session: this.sessionId,
          });
          this.#dropSession('resume refused');
          this.#sendHello();
          return;
        }
        this.#o.logger.error('proxy refused our hello, retrying later', {
          proxy: this.name,
          code: message.error.code,
          message: message.error.message,
        });
        socket?.terminate();
        this.emit('refused', message.error.code);
        return;
      default:
        this.#o.logger.error('proxy answered hello with something else, retrying later', {
          proxy: this.name,
          type: message.type,
        });
        socket?.terminate();
    }
  }

  #dropSession(why: string): void {
    this.sessionId = '';
    this.emit('reset', why);
  }

  #event(event: ProxyEvent): void {
    switch (event.type) {
      case 'update-load':
        this.load = event.load ?? 0;
        this.bandwidth = event.bandwidth;
        this.emit('changed');
        return;
      case 'shutdown-scheduled':
        this.#o.logger.info('proxy is scheduled to shut down', { proxy: this.name });
        this.shutdownScheduled = true;
        this.emit('changed');
        return;
      case 'backend-disconnected':
        this.#o.logger.warn('proxy lost its Janus, its publishers and subscribers are gone', {
          proxy: this.name,
        });
        this.backendConnected = false;
        this.emit('reset', 'janus of the proxy disconnected');
        this.emit('changed');
        return;
      case 'backend-connected':
        this.#o.logger.info('proxy is connected to its Janus', { proxy: this.name });
        if (!this.backendConnected) {
          this.backendConnected = true;
          this.emit('changed');
        }
        return;
      default:
        this.emit('clientEvent', event);
    }
  }
}
