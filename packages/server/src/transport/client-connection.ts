import { type FrameSocket, OPEN } from './websocket/frame-socket.js';

/** What a connection reports to its owner. */
export interface ConnectionHandler {
  /**
   * A text frame arrived. When this returns a promise, later frames of the same connection wait
   * until it settles: one connection's messages are handled strictly in order.
   */
  onText(connection: ClientConnection, text: string): Promise<void> | undefined;
  /** A binary frame arrived (not part of the protocol). */
  onBinary(connection: ClientConnection): void;
  /** The connection is gone, for whatever reason. Called once. */
  onClose(connection: ClientConnection): void;
}

/** Observer for metrics; every hook is optional. */
export interface ConnectionObserver {
  /** A text frame of `bytes` arrived. */
  received?(bytes: number): void;
  /** A text frame of `bytes` was handed to the socket. */
  sent?(bytes: number): void;
  /** A ping with a payload of `bytes` was sent. */
  pingSent?(bytes: number): void;
  /** A pong arrived; `rttMs` when it echoed one of our timestamps. */
  pong?(bytes: number, rttMs: number | undefined): void;
}

/** Limits of one connection. */
export interface ConnectionLimits {
  /** Interval of server pings. */
  pingIntervalMs: number;
  /** A peer that answered no ping for this long is dropped. */
  pongTimeoutMs: number;
  /** Bytes that may wait in the socket's send buffer before the peer counts as too slow. */
  maxBufferedBytes: number;
}

/** Upstream's timing: pings every 54 s, a peer silent for 60 s is gone. */
export const DEFAULT_LIMITS: ConnectionLimits = {
  pingIntervalMs: 54_000,
  pongTimeoutMs: 60_000,
  maxBufferedBytes: 4 * 1024 * 1024,
};

/** Close code used when the peer does not read fast enough. */
const CLOSE_SLOW_READER = 1008;
/** Frames that may wait behind a message still being processed (e.g. a hello awaiting Talk). */
const MAX_BACKLOG = 256;

/**
 * Connections that sent during the current event-loop iteration. One `setImmediate` per iteration
 * ends the batch for all of them (a fan-out to 100 sessions schedules one callback, not 100).
 */
let inTurn: ClientConnection[] = [];

function endTurns(): void {
  const ended = inTurn;
  inTurn = [];
  for (const connection of ended) {
    connection.endTurn();
  }
}

/**
 * One client WebSocket: sends pre-serialised frames, keeps the connection alive with pings, and
 * drops a peer that stops reading rather than buffering without bound.
 */
export class ClientConnection {
  readonly remoteAddress: string;
  readonly userAgent: string;
  readonly #socket: FrameSocket;
  readonly #handler: ConnectionHandler;
  readonly #limits: ConnectionLimits;
  #pingTimer: NodeJS.Timeout | undefined;
  #lastSeen = Date.now();
  #closed = false;
  #inTurn = false;
  #corked = false;
  #busy = false;
  #backlog: string[] = [];
  /** Owner data: the session bound to this connection, if any. */
  session: unknown;
  /** Metrics hooks. */
  observer: ConnectionObserver | undefined;

  constructor(
    socket: FrameSocket,
    remoteAddress: string,
    userAgent: string,
    handler: ConnectionHandler,
    limits: ConnectionLimits = DEFAULT_LIMITS,
  ) {
    this.#socket = socket;
    this.remoteAddress = remoteAddress;
    this.userAgent = userAgent;
    this.#handler = handler;
    this.#limits = limits;
    socket.listen({
      onText: (text, bytes) => {
        this.#lastSeen = Date.now();
        this.observer?.received?.(bytes);
        this.#receive(text);
      },
      onBinary: () => {
        this.#lastSeen = Date.now();
        this.#handler.onBinary(this);
      },
      onPong: (payload) => {
        this.#lastSeen = Date.now();
        if (this.observer?.pong && payload.length > 0) {
          // Our pings carry the send time in milliseconds; peers echo the payload.
          const sentAt = Number(payload.toString());
          const rtt = Number.isSafeInteger(sentAt) ? this.#lastSeen - sentAt : undefined;
          this.observer.pong(payload.length, rtt !== undefined && rtt >= 0 ? rtt : undefined);
        }
      },
      onClose: () => this.#finish(),
    });
    this.#pingTimer = setInterval(() => this.#ping(), limits.pingIntervalMs);
    this.#pingTimer.unref();
  }

  #receive(text: string): void {
    if (this.#busy) {
      if (this.#backlog.length >= MAX_BACKLOG) {
        this.close(CLOSE_SLOW_READER, 'too many queued requests');
        return;
      }
      this.#backlog.push(text);
      return;
    }
    this.#dispatch(text);
  }

  #dispatch(text: string): void {
    const pending = this.#handler.onText(this, text);
    if (pending === undefined) {
      return;
    }
    this.#busy = true;
    pending
      .catch(() => undefined)
      .finally(() => {
        this.#busy = false;
        while (!this.#busy && !this.#closed && this.#backlog.length > 0) {
          this.#dispatch(this.#backlog.shift() as string);
        }
      });
  }

  /** Whether frames can still be sent. */
  get isOpen(): boolean {
    return !this.#closed;
  }

  #ping(): void {
    if (Date.now() - this.#lastSeen > this.#limits.pongTimeoutMs) {
      this.#socket.terminate();
      this.#finish();
      return;
    }
    const payload = String(Date.now());
    this.#socket.ping(payload);
    this.observer?.pingSent?.(payload.length);
  }

  /** Sends one serialised frame. Returns false when the connection is closed or too slow. */
  send(text: string): boolean {
    // A socket that is already closing would silently drop the frame; report it unsent instead so
    // the session queues it for a resume.
    if (this.#closed || this.#socket.readyState !== OPEN) {
      return false;
    }
    if (this.#socket.bufferedAmount > this.#limits.maxBufferedBytes) {
      this.close(CLOSE_SLOW_READER, 'send queue full');
      return false;
    }
    this.#cork();
    this.#socket.send(text);
    this.observer?.sent?.(Buffer.byteLength(text));
    return true;
  }

  /**
   * Batches what is sent to this peer during one event-loop iteration: the first frame is written
   * at once (no added latency when traffic is light); from the second frame on, the TCP socket is
   * corked until the iteration's check phase (`setImmediate`), so a burst leaves in one write —
   * also when it comes from several reads of the same iteration, such as the join events of many
   * participants whose backend answers arrived together. Without this every frame costs its own
   * `writev` system call, the largest single cost of delivery in the benchmark (ending the batch
   * at the next tick instead, one write per read, made joins into a room of 100 2-3x slower).
   */
  #cork(): void {
    if (!this.#inTurn) {
      this.#inTurn = true;
      inTurn.push(this);
      if (inTurn.length === 1) {
        setImmediate(endTurns);
      }
      return;
    }
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
    }
  }

  /** @internal Called once per turn for every connection that sent in it. */
  endTurn(): void {
    this.#inTurn = false;
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
  }

  /** Sends `text`, then closes the connection normally. */
  sendAndClose(text: string): void {
    if (this.send(text)) {
      this.close(1000, '');
    }
  }

  /** Closes the connection (idempotent). */
  close(code = 1000, reason = ''): void {
    if (this.#closed) {
      return;
    }
    this.#socket.close(code, reason);
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#backlog = [];
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    this.#handler.onClose(this);
  }
}
