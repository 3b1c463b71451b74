import type { Socket } from 'node:net';
import { FrameParser, type FrameSink } from './frame-parser.js';
import {
  CLOSED,
  CLOSING,
  type FrameListener,
  type FrameSocket,
  OPEN,
  type ReadyState,
} from './frame-socket.js';
import { closeFrame, controlFrame, OP_PING, OP_PONG, textFrame } from './frame-writer.js';
import { readIntoSharedBuffer } from './shared-read-buffer.js';

/** How long a closing connection may take to end its side before it is destroyed. */
export const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Unsent bytes beyond which a ping is no longer answered but the connection closed (1008): a peer
 * that sends pings without reading would otherwise grow our send buffer without bound.
 */
export const MAX_PONG_BACKLOG_BYTES = 1024 * 1024;

/** Server-side tuning. */
export interface ServerSocketOptions {
  /** Largest message accepted (also when fragmented); larger ones close with 1009. */
  maxMessageBytes: number;
  /** See {@link CLOSE_TIMEOUT_MS}. */
  closeTimeoutMs?: number;
}

/**
 * The server side of one WebSocket, directly on the TCP (or TLS) socket handed over by the HTTP
 * server after the handshake. Incoming data goes straight from the socket's 'data' events
 * through the {@link FrameParser} to the listener; every outgoing frame is one write.
 *
 * Closing: whichever side starts it, our close frame is followed at once by the end of our side
 * of the TCP connection (the server closes first, RFC 6455 section 7.1.1); the socket is destroyed
 * when the peer ends its side too, or after the close timeout.
 */
export class ServerSocket implements FrameSocket {
  readonly #socket: Socket;
  readonly #parser: FrameParser;
  readonly #closeTimeoutMs: number;
  #head: Buffer | undefined;
  #state: ReadyState = OPEN;
  #listener: FrameListener | undefined;
  /** The listener was (or, once set, is to be) told that the connection is gone. */
  #gone = false;
  #closeTimer: NodeJS.Timeout | undefined;

  /**
   * @param socket the upgraded connection; the 101 response is written by the caller
   * @param head bytes that arrived together with the upgrade request
   */
  constructor(socket: Socket, head: Buffer, options: ServerSocketOptions) {
    this.#socket = socket;
    this.#head = head.length > 0 ? head : undefined;
    this.#parser = new FrameParser(this.#sink(), options.maxMessageBytes);
    this.#closeTimeoutMs = options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS;
    // Liveness is checked with pings; no idle timeout on the raw socket.
    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.on('error', () => this.#lost());
    socket.on('end', () => this.#peerEnded());
    socket.on('close', () => this.#socketClosed());
  }

  get readyState(): ReadyState {
    return this.#state;
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  listen(listener: FrameListener): void {
    if (this.#listener !== undefined) {
      throw new Error('ServerSocket.listen called twice');
    }
    this.#listener = listener;
    if (this.#gone) {
      process.nextTick(() => listener.onClose());
      return;
    }
    if (readIntoSharedBuffer(this.#socket, (chunk) => this.#parser.push(chunk, true))) {
      const head = this.#head;
      if (head !== undefined) {
        this.#head = undefined;
        // Before anything read later: reads are delivered from the next poll on.
        process.nextTick(() => this.#parser.push(head));
      }
      return;
    }
    if (this.#head !== undefined) {
      // Read before anything that arrives later, from the next tick on like every other chunk.
      this.#socket.unshift(this.#head);
      this.#head = undefined;
    }
    this.#socket.on('data', (chunk: Buffer) => this.#parser.push(chunk));
  }

  send(text: string): void {
    if (this.#state === OPEN) {
      this.#socket.write(textFrame(text));
    }
  }

  ping(payload: string): void {
    if (this.#state === OPEN) {
      this.#socket.write(controlFrame(OP_PING, payload));
    }
  }

  close(code: number, reason: string): void {
    this.#closeWith(code, reason);
  }

  terminate(): void {
    if (this.#state === CLOSED) {
      return;
    }
    this.#state = CLOSING;
    this.#parser.stop();
    this.#socket.destroy();
    this.#notifyGone();
  }

  cork(): void {
    if (!this.#socket.destroyed) {
      this.#socket.cork();
    }
  }

  uncork(): void {
    this.#socket.uncork();
  }

  /** What the parser finds goes to the listener; pings are answered here, closes handled here. */
  #sink(): FrameSink {
    return {
      onText: (text, bytes) => this.#listener?.onText(text, bytes),
      onBinary: (data) => this.#listener?.onBinary(data),
      onPing: (payload) => {
        if (this.#state !== OPEN) {
          return;
        }
        if (this.#socket.writableLength > MAX_PONG_BACKLOG_BYTES) {
          this.#closeWith(1008, 'not reading');
          return;
        }
        this.#socket.write(controlFrame(OP_PONG, payload));
      },
      onPong: (payload) => this.#listener?.onPong(payload),
      // Echo the code without a reason (an empty close frame for an empty one).
      onClose: (code) => this.#closeWith(code, ''),
      onError: (code, reason) => this.#closeWith(code, reason),
    };
  }

  /** Sends a close frame, ends our side and tells the listener; no-op unless open. */
  #closeWith(code: number | undefined, reason: string): void {
    if (this.#state !== OPEN) {
      return;
    }
    this.#state = CLOSING;
    this.#parser.stop();
    const socket = this.#socket;
    if (socket.writable) {
      socket.end(closeFrame(code, reason));
    }
    this.#closeTimer = setTimeout(() => socket.destroy(), this.#closeTimeoutMs);
    this.#closeTimer.unref();
    this.#notifyGone();
  }

  /** The peer ended its side: with a close frame before, the closing handshake is complete. */
  #peerEnded(): void {
    if (this.#state === OPEN) {
      this.#state = CLOSING;
      this.#parser.stop();
    }
    // The HTTP server allows half-open connections; end ours too so that the socket is released.
    this.#socket.end();
    this.#notifyGone();
  }

  #lost(): void {
    if (this.#state === OPEN) {
      this.#state = CLOSING;
      this.#parser.stop();
    }
    this.#notifyGone();
  }

  #socketClosed(): void {
    this.#state = CLOSED;
    this.#parser.stop();
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.#notifyGone();
  }

  #notifyGone(): void {
    if (this.#gone) {
      return;
    }
    this.#gone = true;
    this.#listener?.onClose();
  }
}
