import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Logger, silentLogger } from '../logger.js';
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
import type { BusMessage, Received } from './messages.js';

/** A fresh random server id (16 hex digits). */
export function newServerId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * The buses of one process that can reach each other, standing in for a NATS server. A single
 * server has a network of its own (nobody to talk to); tests put several servers on one network
 * and can cut a bus off to simulate an outage.
 */
export class InProcessNetwork {
  readonly #buses = new Set<InProcessBus>();

  /** @internal */
  add(bus: InProcessBus): void {
    this.#buses.add(bus);
  }

  /** @internal */
  remove(bus: InProcessBus): void {
    this.#buses.delete(bus);
  }

  /** Cuts `bus` off (`false`) or connects it again (`true`), as a NATS outage would. */
  setConnected(bus: InProcessBus, connected: boolean): void {
    bus.setConnected(connected);
  }

  /**
   * Delivers to the subscribers of `subject` on every other connected bus. Encoded once, decoded
   * per receiver (so nobody shares objects), and only when somebody listens: on a network of one
   * nothing is serialised at all.
   */
  send(from: InProcessBus, subject: string, message: BusMessage, reply?: ReplyTarget): number {
    let data: Uint8Array | undefined;
    let receivers = 0;
    for (const bus of this.#buses) {
      if (bus === from || !bus.connected || !bus.listens(subject)) {
        continue;
      }
      data ??= encodeBusMessage(from.serverId, message);
      receivers++;
      const payload = data;
      setImmediate(() => bus.receive(subject, payload, reply));
    }
    return receivers;
  }
}

/** Where replies to a request go. */
interface ReplyTarget {
  bus: InProcessBus;
  deliver(reply: Received): void;
}

/** Options of {@link InProcessBus}. */
export interface InProcessBusOptions {
  /** Share a network with other buses (tests); default: a network of its own. */
  network?: InProcessNetwork;
  serverId?: string;
  logger?: Logger;
}

/**
 * The embedded bus: used when `[nats] url` is unset or `nats://loopback`. With a network of its own
 * every publish returns at once and requests resolve empty, so a single server does no extra work.
 */
export class InProcessBus implements Bus {
  readonly serverId: string;
  readonly events = new EventEmitter<BusEvents>();
  readonly #network: InProcessNetwork;
  readonly #logger: Logger;
  readonly #subscriptions = new Map<string, Set<BusHandler>>();
  #connected = true;
  #closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.serverId = options.serverId ?? newServerId();
    this.#network = options.network ?? new InProcessNetwork();
    this.#logger = options.logger ?? silentLogger;
    this.#network.add(this);
  }

  get connected(): boolean {
    return this.#connected && !this.#closed;
  }

  /** @internal */
  setConnected(connected: boolean): void {
    if (this.#closed || connected === this.#connected) {
      return;
    }
    this.#connected = connected;
    this.events.emit(connected ? 'reconnected' : 'disconnected');
  }

  /** @internal */
  listens(subject: string): boolean {
    return (this.#subscriptions.get(subject)?.size ?? 0) > 0;
  }

  publish(subject: string, message: BusMessage): void {
    if (this.connected) {
      this.#network.send(this, subject, message);
    }
  }

  subscribe(subject: string, handler: BusHandler): BusSubscription {
    let handlers = this.#subscriptions.get(subject);
    if (handlers === undefined) {
      handlers = new Set();
      this.#subscriptions.set(subject, handlers);
    }
    // A wrapper, so that subscribing the same function twice gives two subscriptions.
    const entry: BusHandler = (message, from, reply) => handler(message, from, reply);
    handlers.add(entry);
    return {
      unsubscribe: () => {
        const set = this.#subscriptions.get(subject);
        set?.delete(entry);
        if (set?.size === 0) {
          this.#subscriptions.delete(subject);
        }
      },
    };
  }

  request(subject: string, message: BusMessage, options: BusRequestOptions): Promise<Received[]> {
    if (!this.connected || options.expected <= 0) {
      return Promise.resolve([]);
    }
    return new Promise((resolve) => {
      const replies: Received[] = [];
      let finished = false;
      const finish = () => {
        if (!finished) {
          finished = true;
          clearTimeout(timer);
          resolve(replies);
        }
      };
      const timer = setTimeout(finish, options.timeoutMs);
      const target: ReplyTarget = {
        bus: this,
        deliver: (reply) => {
          if (finished) {
            return;
          }
          replies.push(reply);
          if (replies.length >= options.expected || options.done?.(reply) === true) {
            finish();
          }
        },
      };
      if (this.#network.send(this, subject, message, target) === 0) {
        finish();
      }
    });
  }

  /** @internal A message from another bus of the network. */
  receive(subject: string, data: Uint8Array, target: ReplyTarget | undefined): void {
    const handlers = this.#subscriptions.get(subject);
    if (handlers === undefined || !this.connected) {
      return;
    }
    let received: Received;
    try {
      received = decodeBusMessage(data);
    } catch (err) {
      this.#logger.warn('invalid bus message dropped', { subject, error: String(err) });
      return;
    }
    const reply: ReplyFn | undefined =
      target === undefined
        ? undefined
        : (answer) => {
            if (!this.connected || !target.bus.connected) {
              return;
            }
            const encoded = encodeBusMessage(this.serverId, answer);
            setImmediate(() => target.deliver(decodeBusMessage(encoded)));
          };
    for (const handler of [...handlers]) {
      try {
        handler(received.message, received.from, reply);
      } catch (err) {
        this.#logger.error('bus handler failed', { subject, error: String(err) });
      }
    }
  }

  info(): BusInfo {
    return { kind: 'in-process', connected: this.connected, urls: [] };
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#subscriptions.clear();
    this.#network.remove(this);
  }
}
