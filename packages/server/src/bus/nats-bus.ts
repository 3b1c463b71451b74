import { EventEmitter } from 'node:events';
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
import { NatsClient, type NatsClientOptions } from './nats/client.js';
import { createInbox, type NatsSubscription } from './nats/subscriptions.js';

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
  subscription: NatsSubscription | undefined;
}

/**
 * The bus over a NATS server (core NATS, no JetStream). The server keeps serving when NATS is
 * unreachable: the first connection is retried in the background, and a lost connection is
 * re-established forever by the NATS client (./nats/), which restores the subscriptions.
 * Messages are sent with `no_echo`, so a server never receives its own publications.
 */
export class NatsBus implements Bus {
  readonly serverId: string;
  readonly events = new EventEmitter<BusEvents>();
  /** Metrics hooks. */
  observer: NatsBusObserver = {};
  readonly #options: NatsBusOptions;
  readonly #logger: Logger;
  readonly #entries = new Set<Entry>();
  #nc: NatsClient | undefined;
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
    const options: NatsClientOptions = {
      servers: urls,
      name: this.#options.name ?? `spreed-ts signaling ${this.serverId}`,
      noEcho: true,
      reconnectWaitMs: this.#options.reconnectWaitMs ?? 1000,
      reconnectJitterMs: 500,
      pingIntervalMs: this.#options.pingIntervalMs ?? 10_000,
      maxPingOut: 3,
    };
    let nc: NatsClient;
    try {
      nc = await NatsClient.connect(options);
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
    this.#watch(nc);
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
  }

  /** The client's status changes, as log lines, metrics and bus events. It never closes itself. */
  #watch(nc: NatsClient): void {
    nc.on('disconnect', (url) => {
      if (this.#connected) {
        this.#setConnected(false);
        this.#logger.warn('NATS connection lost, reconnecting', { url: maskUrl(url) });
        this.events.emit('disconnected');
      }
    });
    nc.on('reconnect', () => {
      this.#setConnected(true);
      this.observer.reconnected?.();
      this.#logger.info('NATS connection restored', { url: this.#serverUrl(nc) });
      this.events.emit('reconnected');
    });
    nc.on('error', (err) => {
      this.#logger.warn('NATS error', { error: String(err) });
    });
    nc.on('reconnectFailed', (err) => {
      // Every attempt while NATS is down: only for debugging (the loss itself was logged).
      this.#logger.debug('NATS reconnection attempt failed', {
        error: err.cause instanceof Error ? err.cause.message : err.message,
      });
    });
    nc.on('ldm', () => {
      this.#logger.warn('NATS server is shutting down (lame duck mode)');
    });
    nc.on('stale', () => {
      this.#logger.warn('NATS connection stale');
    });
  }

  /** The URL of the NATS server connected to, without credentials. */
  #serverUrl(nc: NatsClient): string {
    return nc.connectedUrl ?? 'nats://?';
  }

  #setConnected(connected: boolean): void {
    this.#connected = connected;
    this.observer.connection?.(connected);
  }

  #natsSubscribe(nc: NatsClient, entry: Entry): NatsSubscription {
    return nc.subscribe(entry.subject, (data, reply, subject) =>
      this.#dispatch(nc, entry, data, reply, subject),
    );
  }

  /** `data` is only valid during the call: it is decoded at once. */
  #dispatch(
    nc: NatsClient,
    entry: Entry,
    data: Uint8Array,
    replyTo: string | undefined,
    subject: string,
  ): void {
    let received: Received;
    try {
      received = decodeBusMessage(data);
    } catch (err) {
      this.#logger.warn('invalid bus message dropped', {
        subject,
        error: (err as Error).message,
      });
      return;
    }
    const reply: ReplyFn | undefined =
      replyTo === undefined || replyTo === ''
        ? undefined
        : (answer) => this.#send(nc, replyTo, answer);
    try {
      entry.handler(received.message, received.from, reply);
    } catch (err) {
      this.#logger.error('bus handler failed', {
        subject,
        type: received.message.type,
        error: String(err),
      });
    }
  }

  #send(nc: NatsClient, subject: string, message: BusMessage, reply?: string): boolean {
    if (nc.isClosed()) {
      return false;
    }
    try {
      const data = encodeBusMessage(this.serverId, message);
      return nc.publish(subject, data, reply);
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
      const subscription = nc.subscribe(inbox, (data) => {
        if (finished) {
          return;
        }
        let reply: Received;
        try {
          reply = decodeBusMessage(data);
        } catch (error) {
          this.#logger.warn('invalid bus reply dropped', { error: (error as Error).message });
          return;
        }
        replies.push(reply);
        if (replies.length >= options.expected || options.done?.(reply) === true) {
          finish();
        }
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
    if (this.#nc?.connectedUrl !== undefined && this.connected) {
      info.connectedUrl = this.#nc.connectedUrl;
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
