import { EventEmitter } from 'node:events';
import { requireCjs } from '../../cjs.js';
import type { Logger } from '../../logger.js';
import { JanusError, SfuClosedError, SfuTimeoutError } from '../errors.js';
import { type JanusFrame, parseJanusFrame } from './janus-messages.js';

// Required, not imported: see ../../cjs.ts.
type WebSocket = import('ws').WebSocket;
const { WebSocket } = requireCjs('ws') as typeof import('ws');

/** The WebSocket subprotocol of Janus's API. */
export const JANUS_PROTOCOL = 'janus-protocol';

/** A request to Janus; `transaction` is added by the channel. */
export type JanusRequest = Record<string, unknown> & {
  janus: 'info' | 'create' | 'attach' | 'message' | 'trickle' | 'keepalive' | 'detach' | 'destroy';
};

/** Frames that are not replies to a request: events of handles and sessions. */
export type JanusEventFrame = Exclude<JanusFrame, { janus: 'ack' | 'success' | 'server_info' }>;

/** Options of {@link JanusChannel.open}. */
export interface JanusChannelOptions {
  /** Default time a request may take (`[mcu] timeout`). */
  timeoutMs: number;
  logger: Logger;
}

/** Events of a {@link JanusChannel}. */
export type JanusChannelEvents = {
  /** A frame without a pending transaction (handle or session event). */
  event: [frame: JanusEventFrame];
  /** The WebSocket is gone (closed by either side); pending requests were rejected. */
  closed: [reason: string];
};

interface Pending {
  resolve: (frame: JanusFrame) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  /** `ack` ends this request (keepalive, trickle); otherwise it is only a receipt. */
  ackIsFinal: boolean;
}

/**
 * The one WebSocket to Janus. It numbers requests (`transaction`), resolves each with its reply,
 * rejects it with a {@link JanusError} for an `error` reply, a {@link SfuTimeoutError} when no
 * reply came within the timeout, or a {@link SfuClosedError} once the socket is gone. Frames that
 * answer no pending request are emitted as `event`.
 */
export class JanusChannel extends EventEmitter<JanusChannelEvents> {
  readonly #socket: WebSocket;
  readonly #options: JanusChannelOptions;
  readonly #pending = new Map<string, Pending>();
  #next = 0;
  #closed = false;

  private constructor(socket: WebSocket, options: JanusChannelOptions) {
    super();
    this.#socket = socket;
    this.#options = options;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        this.#receive(data.toString());
      }
    });
    socket.on('close', (code) => this.#finish(`connection closed (${code})`));
    socket.on('error', (err) => this.#finish(`connection error: ${err.message}`));
  }

  /** Connects to `url` (`ws://…` or `wss://…`); rejects when Janus cannot be reached in time. */
  static open(url: string, options: JanusChannelOptions): Promise<JanusChannel> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, JANUS_PROTOCOL, {
        handshakeTimeout: options.timeoutMs,
        perMessageDeflate: false,
      });
      const fail = (err: Error) => {
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        socket.terminate();
        reject(err);
      };
      socket.once('error', fail);
      socket.once('unexpected-response', (_req, res) =>
        fail(new Error(`unexpected HTTP status ${res.statusCode}`)),
      );
      socket.once('open', () => {
        socket.removeAllListeners();
        resolve(new JanusChannel(socket, options));
      });
    });
  }

  /** Whether the socket is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of requests waiting for their reply. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /**
   * Sends `request` and resolves with its final reply. For `keepalive` and `trickle` that is the
   * `ack`; other requests (e.g. an asynchronous plugin `message`) get an `ack` first and then their
   * `event` or `success`.
   */
  request(request: JanusRequest, timeoutMs = this.#options.timeoutMs): Promise<JanusFrame> {
    if (this.#closed) {
      return Promise.reject(new SfuClosedError());
    }
    this.#next += 1;
    const transaction = String(this.#next);
    const ackIsFinal = request.janus === 'keepalive' || request.janus === 'trickle';
    return new Promise<JanusFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(new SfuTimeoutError(`janus ${request.janus} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(transaction, { resolve, reject, timer, ackIsFinal });
      this.#socket.send(JSON.stringify({ ...request, transaction }), (err) => {
        if (err) {
          this.#settle(transaction)?.reject(new SfuClosedError('send failed', { cause: err }));
        }
      });
    });
  }

  #settle(transaction: string): Pending | undefined {
    const pending = this.#pending.get(transaction);
    if (pending) {
      this.#pending.delete(transaction);
      clearTimeout(pending.timer);
    }
    return pending;
  }

  #receive(text: string): void {
    let frame: JanusFrame;
    try {
      frame = parseJanusFrame(text);
    } catch (err) {
      this.#options.logger.warn('malformed frame from janus dropped', {
        error: (err as Error).message,
        frame: text.slice(0, 200),
      });
      return;
    }
    const transaction = frame.transaction;
    const pending = transaction === undefined ? undefined : this.#pending.get(transaction);
    if (transaction !== undefined && pending) {
      if (frame.janus === 'ack' && !pending.ackIsFinal) {
        return;
      }
      this.#settle(transaction);
      if (frame.janus === 'error') {
        pending.reject(new JanusError(frame.error.code, frame.error.reason));
      } else {
        pending.resolve(frame);
      }
      return;
    }
    switch (frame.janus) {
      case 'ack':
      case 'success':
      case 'server_info':
        // A late reply to a request that timed out.
        this.#options.logger.debug('janus reply for unknown transaction dropped', {
          transaction,
        });
        return;
      default:
        this.emit('event', frame);
    }
  }

  #finish(reason: string): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#socket.removeAllListeners();
    this.#socket.on('error', () => undefined);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(new SfuClosedError(reason));
    }
    this.emit('closed', reason);
  }

  /** Closes the socket; pending requests are rejected with a {@link SfuClosedError}. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#socket.close(1000);
    // Do not wait for the close handshake: the channel is unusable from now on.
    this.#finish('closed');
    setTimeout(() => this.#socket.terminate(), 1000).unref();
  }
}
