import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { Bus, BusSubscription } from './bus.js';
import type { BusMessage } from './messages.js';
import { Subjects } from './subjects.js';

/** Default heartbeat interval; a server that misses three is given up. */
export const DEFAULT_HEARTBEAT_MS = 2_000;

/** What {@link Peers} reports. */
export type PeersEvents = {
  /** A server was heard for the first time (or again after it was given up). */
  appeared: [serverId: string];
  /** A known server reconnected to the bus; it may have missed what others published. */
  restarted: [serverId: string];
  /** A server said goodbye or missed its heartbeats: drop everything learned from it. */
  gone: [serverId: string, reason: 'goodbye' | 'timeout'];
  /** This server's bus reconnected; it may have missed what others published. */
  resync: [];
  /** The number of known servers changed. */
  count: [peers: number];
};

/** Options of {@link Peers}. */
export interface PeersOptions {
  bus: Bus;
  logger: Logger;
  /** Software version, announced for diagnostics. */
  version: string;
  /** Interval between heartbeats (default 2 s). */
  intervalMs?: number;
  /** A peer silent for this long is gone (default three intervals plus one second). */
  ttlMs?: number;
}

interface Peer {
  generation: number;
  lastSeen: number;
  ttl: number;
}

/**
 * The other servers of the cluster, learned from heartbeats every server publishes on
 * `signaling.peers`. A server that says goodbye, or stays silent longer than the lifetime its
 * heartbeats announce, is reported `gone`, so whatever it contributed (room members, relayed
 * connections) can be dropped: a dead server leaves no ghosts. While this server's own connection
 * is down nobody is given up (silence is then our fault); on reconnect every peer gets a fresh
 * lifetime and this server announces a new generation, so the others resynchronise with it.
 */
export class Peers extends EventEmitter<PeersEvents> {
  readonly #bus: Bus;
  readonly #logger: Logger;
  readonly #version: string;
  readonly #intervalMs: number;
  readonly #ttlMs: number;
  readonly #peers = new Map<string, Peer>();
  #generation = 1;
  #timer: NodeJS.Timeout | undefined;
  #subscription: BusSubscription | undefined;
  readonly #onConnected = () => this.#beat();
  readonly #onReconnected = () => this.#reconnected();

  constructor(options: PeersOptions) {
    super();
    this.#bus = options.bus;
    this.#logger = options.logger;
    this.#version = options.version;
    this.#intervalMs = options.intervalMs ?? DEFAULT_HEARTBEAT_MS;
    this.#ttlMs = options.ttlMs ?? this.#intervalMs * 3 + 1_000;
  }

  /** Number of other servers currently known. */
  get size(): number {
    return this.#peers.size;
  }

  /** Whether `serverId` is a known, live server. */
  has(serverId: string): boolean {
    return this.#peers.has(serverId);
  }

  /** Ids of the known servers. */
  ids(): string[] {
    return [...this.#peers.keys()];
  }

  /** How long after its last heartbeat a silent server is given up. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  start(): void {
    this.#subscription = this.#bus.subscribe(Subjects.peers, (message, from) =>
      this.#received(message, from),
    );
    this.#bus.events.on('connected', this.#onConnected);
    this.#bus.events.on('reconnected', this.#onReconnected);
    this.#timer = setInterval(() => {
      this.#beat();
      this.#sweep();
    }, this.#intervalMs);
    this.#timer.unref();
    if (this.#bus.connected) {
      this.#beat();
    }
  }

  #received(message: BusMessage, from: string): void {
    switch (message.type) {
      case 'heartbeat': {
        const now = Date.now();
        const known = this.#peers.get(from);
        this.#peers.set(from, { generation: message.generation, lastSeen: now, ttl: message.ttl });
        if (known === undefined) {
          this.#logger.info('cluster peer joined', {
            peer: from,
            version: message.version,
            peers: this.#peers.size,
          });
          // Answer at once so the newcomer learns about this server without waiting.
          this.#beat();
          this.emit('count', this.#peers.size);
          this.emit('appeared', from);
        } else if (known.generation !== message.generation) {
          this.#logger.info('cluster peer reconnected', { peer: from });
          this.#beat();
          this.emit('restarted', from);
        }
        return;
      }
      case 'goodbye':
        this.#drop(from, 'goodbye');
        return;
      default:
        return;
    }
  }

  #beat(): void {
    this.#bus.publish(Subjects.peers, {
      type: 'heartbeat',
      generation: this.#generation,
      interval: this.#intervalMs,
      ttl: this.#ttlMs,
      version: this.#version,
    });
  }

  #sweep(): void {
    if (!this.#bus.connected) {
      return;
    }
    const now = Date.now();
    for (const [id, peer] of [...this.#peers]) {
      if (now - peer.lastSeen > peer.ttl) {
        this.#drop(id, 'timeout');
      }
    }
  }

  #drop(id: string, reason: 'goodbye' | 'timeout'): void {
    if (!this.#peers.delete(id)) {
      return;
    }
    this.#logger[reason === 'timeout' ? 'warn' : 'info']('cluster peer gone', {
      peer: id,
      reason,
      peers: this.#peers.size,
    });
    this.emit('count', this.#peers.size);
    this.emit('gone', id, reason);
  }

  #reconnected(): void {
    this.#generation++;
    const now = Date.now();
    for (const peer of this.#peers.values()) {
      peer.lastSeen = now;
    }
    this.#beat();
    this.emit('resync');
  }

  /** Says goodbye (so the others drop this server at once) and stops. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#bus.events.off('connected', this.#onConnected);
    this.#bus.events.off('reconnected', this.#onReconnected);
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    this.#bus.publish(Subjects.peers, { type: 'goodbye' });
    this.#peers.clear();
  }
}
