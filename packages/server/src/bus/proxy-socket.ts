import { EventEmitter } from 'node:events';
import {
  CLOSED,
  type FrameListener,
  type FrameSocket,
  OPEN,
  type ReadyState,
} from '../transport/websocket/frame-socket.js';

/**
 * Stands in for the WebSocket of a client that is connected to another server of the cluster: the
 * hub handles the connection like a local one, while its frames travel over the bus. Liveness is
 * the business of the server holding the real socket, so pings are answered at once. Emits
 * 'close' (for the cluster's bookkeeping) when the connection ends on either side.
 */
export class ProxySocket extends EventEmitter implements FrameSocket {
  readonly bufferedAmount = 0;
  readonly #send: (text: string) => void;
  readonly #closed: () => void;
  #listener: FrameListener | undefined;
  #open = true;

  /**
   * @param send passes a frame for the client on to the server holding the socket
   * @param closed tells that server the connection was closed here
   */
  constructor(send: (text: string) => void, closed: () => void) {
    super();
    this.#send = send;
    this.#closed = closed;
  }

  /** This object as the socket a ClientConnection takes. */
  asWebSocket(): FrameSocket {
    return this;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** OPEN until closed, then CLOSED. */
  get readyState(): ReadyState {
    return this.#open ? OPEN : CLOSED;
  }

  listen(listener: FrameListener): void {
    this.#listener = listener;
  }

  send(text: string): void {
    if (this.#open) {
      this.#send(text);
    }
  }

  ping(payload: string): void {
    setImmediate(() => {
      if (this.#open) {
        this.#listener?.onPong(Buffer.from(payload));
      }
    });
  }

  close(): void {
    if (!this.#open) {
      return;
    }
    this.#open = false;
    this.#closed();
    this.#gone();
  }

  terminate(): void {
    this.close();
  }

  /** Frames go to the bus one by one; nothing to batch. */
  cork(): void {}

  uncork(): void {}

  /** A frame the client sent (through the other server). */
  deliver(text: string): void {
    if (this.#open) {
      this.#listener?.onText(text, Buffer.byteLength(text));
    }
  }

  /** The other server reports the client connection closed (or is gone). */
  remoteClosed(): void {
    if (!this.#open) {
      return;
    }
    this.#open = false;
    this.#gone();
  }

  #gone(): void {
    this.emit('close');
    this.#listener?.onClose();
  }
}
