import { EventEmitter } from 'node:events';
import type { ConnectionOptions, Msg, NatsConnection, Subscription } from 'nats';
import { requireCjs } from '../cjs.js';
import type { Logger } from '../logger.js';
import type {
  Bus,
  BusEvents,
  BusHandler,
  BusInfo,
  BusRequestOptions,
  BusSubscription,
  ReplyFn,
} from './bus.js';
import { decodeBusMessage, encodeBusMessage } from './codec.js';
import { newServerId } from './in-process-bus.js';
import type { BusMessage, Received } from './messages.js';

// Required, not imported: see ../cjs.ts.
const { connect, createInbox, DebugEvents, Events } = requireCjs('nats') as typeof import('nats');

/** Options of {@link NatsBus}. */
export interface NatsBusOptions {
  /** `nats://`, `tls://` or bare `host:port` URLs, as in `[nats] url`. */
  urls: readonly string[];
  logger: Logger;
  serverId?: string;
  /** Pause between connection attempts (default 1 s, plus up to 0.5 s jitter). */
  reconnectWaitMs?: number;
  /** Interval of NATS pings (default 10 s; 3 unanswered ones count as a dead connection). */
  pingIntervalMs?: number;
  /** Connection name shown by the NATS server. */
  name?: string;
}

/** Observer for metrics; every hook is optional. */
export interface NatsBusObserver {
  /** The connection state changed. */
  connection?(connected: boolean): void;
  /** The connection came back after a loss. */
  reconnected?(): void;
}

/** `user:password@` in a URL becomes `***@` (for logs and reports). */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)?[^@/]+@/i, '$1***@');
}

interface Entry {
  subject: string;
  handler: BusHandler;
  subscription: Subscription | undefined;
}

/**
 * The bus over a NATS server (core NATS, no JetStream). The server keeps serving when NATS is
 * unreachable: the first connection is retried in the background, and a lost connection is
 * re-established forever by the NATS client, which restores the subscriptions. Messages are sent
 * with `no_echo`, so a server never receives its own publications.
 */
export class NatsBus implements Bus {
  readonly serverId: string;
  readonly events = new EventEmitter<BusEvents>();
  /** Metrics hooks. */
  observer: NatsBusObserver = {};
  readonly #options: NatsBusOptions;
  readonly #logger: Logger;
  readonly #entries = new Set<Entry>();
  #nc: NatsConnection | undefined;
  #connected = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #everConnected = false;

  constructor(options: NatsBusOptions) {
    if (options.urls.length === 0) {
      throw new TypeError('NatsBus needs at least one URL');
    }
    this.serverId = options.serverId ?? newServerId();
    this.#options = options;
    this.#logger = options.logger;
  }

  /** Starts connecting in the background; `connected` is emitted once it succeeds. */
  start(): void {
    void this.#connect();
  }

  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  async #connect(): Promise<void> {
    if (this.#closed) {
      return;
    }
    const urls = this.#options.urls;
    const options: ConnectionOptions = {
      servers: [...urls],
      name: this.#options.name ?? `spreed-ts signaling ${this.serverId}`,
      noEcho: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: this.#options.reconnectWaitMs ?? 1000,
      reconnectJitter: 500,
      pingInterval: this.#options.pingIntervalMs ?? 10_000,
      maxPingOut: 3,
    };
    if (urls.some((url) => url.startsWith('tls://'))) {
      options.tls = {};
    }
    let nc: NatsConnection;
    try {
      nc = await connect(options);
    } catch (err) {
      this.#failures++;
      // Loud on the first failure, then every 30th, so an absent NATS does not flood the log.
      if (this.#failures === 1 || this.#failures % 30 === 0) {
        this.#logger.warn('cannot connect to NATS, retrying', {
          urls: urls.map(maskUrl).join(','),
          attempts: this.#failures,
          error: (err as Error).message,
        });
      }
      if (!this.#closed) {
        const wait = (this.#options.reconnectWaitMs ?? 1000) + Math.random() * 500;
        this.#retry = setTimeout(() => void this.#connect(), wait);
      }
      return;
    }
    if (this.#closed) {
      await nc.close().catch(() => undefined);
      return;
    }
    this.#nc = nc;
    this.#failures = 0;
    for (const entry of this.#entries) {
      entry.subscription = this.#natsSubscribe(nc, entry);
    }
    this.#setConnected(true);
    this.#logger.info('connected to NATS', {
      url: this.#serverUrl(nc),
      server: nc.info?.server_id,
      version: nc.info?.version,
      id: this.serverId,
    });
    const first = !this.#everConnected;
    this.#everConnected = true;
    this.events.emit(first ? 'connected' : 'reconnected');
    void this.#watch(nc);
    void nc.closed().then((err) => this.#lost(nc, err));
  }

  async #watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case Events.Disconnect:
          if (this.#connected) {
            this.#setConnected(false);
            this.#logger.warn('NATS connection lost, reconnecting', {
              url: this.#serverUrl(nc),
            });
            this.events.emit('disconnected');
          }
          break;
        case Events.Reconnect:
          this.#setConnected(true);
          this.observer.reconnected?.();
          this.#logger.info('NATS connection restored', { url: this.#serverUrl(nc) });
          this.events.emit('reconnected');
          break;
        case Events.Error:
          this.#logger.warn('NATS error', { error: String(status.data) });
          break;
        case Events.LDM:
          this.#logger.warn('NATS server is shutting down (lame duck mode)');
          break;
        case DebugEvents.StaleConnection:
          this.#logger.warn('NATS connection stale');
          break;
        default:
          break;
      }
    }
  }

  /** The connection closed for good (only expected from {@link close}); start over otherwise. */
  #lost(nc: NatsConnection, err: unknown): void {
    if (this.#nc !== nc || this.#closed) {
      return;
    }
    this.#nc = undefined;
    for (const entry of this.#entries) {
      entry.subscription = undefined;
    }
    if (this.#connected) {
      this.#setConnected(false);
      this.events.emit('disconnected');
    }
    this.#logger.error('NATS connection closed, connecting again', {
      error: err instanceof Error ? err.message : undefined,
    });
    void this.#connect();
  }

  /** The URL of the NATS server connected to (the client reports `host:port`). */
  #serverUrl(nc: NatsConnection): string {
    const server = nc.getServer();
    if (server.includes('://')) {
      return maskUrl(server);
    }
    const tls = this.#options.urls.some((url) => url.startsWith('tls://'));
    return `${tls ? 'tls' : 'nats'}://${server}`;
  }

  #setConnected(connected: boolean): void {
    this.#connected = connected;
    this.observer.connection?.(connected);
  }

  #natsSubscribe(nc: NatsConnection, entry: Entry): Subscription {
    return nc.subscribe(entry.subject, {
      callback: (err, msg) => {
        if (err === null) {
          this.#dispatch(nc, entry, msg);
        }
      },
    });
  }

  #dispatch(nc: NatsConnection, entry: Entry, msg: Msg): void {
    let received: Received;
    try {
      received = decodeBusMessage(msg.data);
    } catch (err) {
      this.#logger.warn('invalid bus message dropped', {
        subject: msg.subject,
        error: (err as Error).message,
      });
      return;
    }
    const replyTo = msg.reply;
    const reply: ReplyFn | undefined =
      replyTo === undefined || replyTo === ''
        ? undefined
        : (answer) => this.#send(nc, replyTo, answer);
    try {
      entry.handler(received.message, received.from, reply);
    } catch (err) {
      this.#logger.error('bus handler failed', {
        subject: msg.subject,
        type: received.message.type,
        error: String(err),
      });
    }
  }

  #send(nc: NatsConnection, subject: string, message: BusMessage, reply?: string): boolean {
    if (nc.isClosed()) {
      return false;
    }
    try {
      const data = encodeBusMessage(this.serverId, message);
      nc.publish(subject, data, reply === undefined ? undefined : { reply });
      return true;
    } catch (err) {
      this.#logger.warn('NATS publish failed', { subject, error: (err as Error).message });
      return false;
    }
  }

  publish(subject: string, message: BusMessage): void {
    const nc = this.#nc;
    // While reconnecting the NATS client buffers what is published; before the first connection
    // there is nobody to tell anything.
    if (nc !== undefined && !this.#closed) {
      this.#send(nc, subject, message);
    }
  }

  subscribe(subject: string, handler: BusHandler): BusSubscription {
    const entry: Entry = { subject, handler, subscription: undefined };
    this.#entries.add(entry);
    if (this.#nc !== undefined) {
      entry.subscription = this.#natsSubscribe(this.#nc, entry);
    }
    return {
      unsubscribe: () => {
        if (this.#entries.delete(entry)) {
          entry.subscription?.unsubscribe();
          entry.subscription = undefined;
        }
      },
    };
  }

  request(subject: string, message: BusMessage, options: BusRequestOptions): Promise<Received[]> {
    const nc = this.#nc;
    if (nc === undefined || !this.connected || options.expected <= 0) {
      return Promise.resolve([]);
    }
    return new Promise((resolve) => {
      const replies: Received[] = [];
      let finished = false;
      const inbox = createInbox();
      const finish = () => {
        if (!finished) {
          finished = true;
          clearTimeout(timer);
          subscription.unsubscribe();
          resolve(replies);
        }
      };
      const timer = setTimeout(finish, options.timeoutMs);
      const subscription = nc.subscribe(inbox, {
        callback: (err, msg) => {
          if (err !== null || finished) {
            return;
          }
          let reply: Received;
          try {
            reply = decodeBusMessage(msg.data);
          } catch (error) {
            this.#logger.warn('invalid bus reply dropped', { error: (error as Error).message });
            return;
          }
          replies.push(reply);
          if (replies.length >= options.expected || options.done?.(reply) === true) {
            finish();
          }
        },
      });
      if (!this.#send(nc, subject, message, inbox)) {
        finish();
      }
    });
  }

  info(): BusInfo {
    const info: BusInfo = {
      kind: 'nats',
      connected: this.connected,
      urls: this.#options.urls.map(maskUrl),
    };
    if (this.#nc !== undefined && this.connected) {
      info.connectedUrl = this.#serverUrl(this.#nc);
      if (this.#nc.info !== undefined) {
        info.natsServerId = this.#nc.info.server_id;
        info.natsVersion = this.#nc.info.version;
      }
    }
    return info;
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearTimeout(this.#retry);
    const nc = this.#nc;
    this.#nc = undefined;
    this.#entries.clear();
    if (nc !== undefined) {
      // Sends what is buffered (e.g. a goodbye) before closing.
      await Promise.race([
        nc.flush().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 500)),
      ]);
      await nc.close().catch(() => undefined);
    }
    this.#connected = false;
  }
}
