import net from 'node:net';
import tls from 'node:tls';
import { BackendRequestError } from '../backend-errors.js';
import { Connection, type ConnectionOwner, type PendingRequest } from './connection.js';
import type { Origin } from './target.js';

/** Idle keep-alive connections are closed after this long unless the server announces less. */
export const DEFAULT_IDLE_MS = 60_000;
/** Idle connections are closed this long before the server's `Keep-Alive: timeout`. */
const KEEP_ALIVE_MARGIN_MS = 1_000;

/** Options of {@link Pool}. */
export interface PoolOptions {
  /** Most connections open at once. */
  connectionsPerHost: number;
  maxBodyBytes: number;
  /** Skip TLS certificate checks. */
  skipVerify: boolean;
}

/**
 * Keep-alive connections to one origin: at most `connectionsPerHost`, the most recently used idle
 * one first, requests beyond the limit wait in FIFO order. Deadlines and idle expiry are enforced
 * by {@link sweep}, which the owner calls periodically.
 */
export class Pool implements ConnectionOwner {
  readonly origin: Origin;
  readonly maxBodyBytes: number;
  readonly #limit: number;
  readonly #skipVerify: boolean;
  readonly #connections = new Set<Connection>();
  /** Idle connections, most recently used last. */
  readonly #idle: Connection[] = [];
  /** Waiting requests from #queueHead on. */
  #queue: (PendingRequest | undefined)[] = [];
  #queueHead = 0;
  /** TLS session of the last handshake, to resume the next one. */
  #tlsSession: Buffer | undefined;

  constructor(origin: Origin, options: PoolOptions) {
    this.origin = origin;
    this.maxBodyBytes = options.maxBodyBytes;
    this.#limit = Math.max(1, options.connectionsPerHost);
    this.#skipVerify = options.skipVerify;
  }

  /** Whether there are connections or waiting requests (so {@link sweep} has work). */
  get busy(): boolean {
    return this.#connections.size > 0 || this.#queueHead < this.#queue.length;
  }

  /** Connections open now (for tests and diagnostics). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Sends `request` on an idle connection, a new one, or queues it. `now`: performance.now(). */
  dispatch(request: PendingRequest, now: number): void {
    const idle = this.#idle;
    while (idle.length > 0) {
      const connection = idle.pop()!;
      if (connection.idleDeadline > now) {
        connection.socket.ref();
        connection.send(request);
        return;
      }
      connection.abort();
    }
    if (this.#connections.size < this.#limit) {
      this.#open(request);
      return;
    }
    this.#queue.push(request);
  }

  released(connection: Connection, reusable: boolean, keepAliveTimeoutMs: number): void {
    if (!reusable) {
      connection.abort();
      return;
    }
    const next = this.#nextWaiting();
    if (next !== undefined) {
      connection.send(next);
      return;
    }
    const idleMs =
      keepAliveTimeoutMs < 0
        ? DEFAULT_IDLE_MS
        : Math.min(DEFAULT_IDLE_MS, keepAliveTimeoutMs - KEEP_ALIVE_MARGIN_MS);
    if (idleMs <= 0) {
      connection.abort();
      return;
    }
    connection.idleDeadline = performance.now() + idleMs;
    // An idle connection must not keep the process alive.
    connection.socket.unref();
    this.#idle.push(connection);
  }

  removed(connection: Connection, retry: PendingRequest | undefined): void {
    this.#connections.delete(connection);
    const at = this.#idle.indexOf(connection);
    if (at !== -1) {
      this.#idle.splice(at, 1);
    }
    if (retry !== undefined) {
      this.#open(retry);
    }
    while (this.#connections.size < this.#limit) {
      const next = this.#nextWaiting();
      if (next === undefined) {
        break;
      }
      this.#open(next);
    }
  }

  /** Fails requests past their deadline (destroying their connections), closes expired idle ones. */
  sweep(now: number): void {
    // FIFO with one timeout for all: deadlines grow along the queue.
    while (this.#queueHead < this.#queue.length && this.#queue[this.#queueHead]!.deadline <= now) {
      this.#dequeue()!.reject(this.#timeoutError());
    }
    for (const connection of this.#connections) {
      const request = connection.request;
      if (request !== undefined) {
        if (request.deadline <= now) {
          connection.abort(this.#timeoutError());
        }
      } else if (connection.idleDeadline <= now && this.#idle.includes(connection)) {
        connection.abort();
      }
    }
  }

  /** Rejects waiting requests and destroys all connections, failing requests in flight. */
  close(error: Error): void {
    for (let request = this.#dequeue(); request !== undefined; request = this.#dequeue()) {
      request.reject(error);
    }
    for (const connection of this.#connections) {
      connection.abort(error);
    }
  }

  #open(request: PendingRequest): void {
    const origin = this.origin;
    let socket: net.Socket;
    if (origin.secure) {
      const tlsSocket = tls.connect({
        host: origin.hostname,
        port: origin.port,
        rejectUnauthorized: !this.#skipVerify,
        ...(origin.servername === undefined ? {} : { servername: origin.servername }),
        ...(this.#tlsSession === undefined ? {} : { session: this.#tlsSession }),
      });
      tlsSocket.on('session', (session: Buffer) => {
        this.#tlsSession = session;
      });
      socket = tlsSocket;
    } else {
      socket = net.connect({ host: origin.hostname, port: origin.port });
    }
    const connection = new Connection(this, socket);
    this.#connections.add(connection);
    connection.send(request);
  }

  /** The first waiting request still within its deadline (expired ones fail on the way). */
  #nextWaiting(): PendingRequest | undefined {
    if (this.#queueHead >= this.#queue.length) {
      return undefined;
    }
    const now = performance.now();
    for (let request = this.#dequeue(); request !== undefined; request = this.#dequeue()) {
      if (request.deadline > now) {
        return request;
      }
      request.reject(this.#timeoutError());
    }
    return undefined;
  }

  #dequeue(): PendingRequest | undefined {
    const queue = this.#queue;
    if (this.#queueHead >= queue.length) {
      return undefined;
    }
    const request = queue[this.#queueHead];
    queue[this.#queueHead] = undefined;
    this.#queueHead += 1;
    if (this.#queueHead === queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead >= 1024 && this.#queueHead * 2 >= queue.length) {
      this.#queue = queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    return request;
  }

  #timeoutError(): BackendRequestError {
    return new BackendRequestError('timeout', `request to ${this.origin.host} timed out`);
  }
}
