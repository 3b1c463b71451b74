import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';

/**
 * Stands in for the WebSocket of a client that is connected to another server of the cluster: the
 * hub handles the connection like a local one, while its frames travel over the bus. Only the part
 * of the `ws` API that {@link ClientConnection} uses is implemented; liveness is the business of
 * the server holding the real socket, so pings are answered at once.
 */
export class ProxySocket extends EventEmitter {
  readonly bufferedAmount = 0;
  readonly #send: (text: string) => void;
  readonly #closed: () => void;
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

  /** This object typed as what ClientConnection takes. */
  asWebSocket(): WebSocket {
    return this as unknown as WebSocket;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** `ws` ready state: OPEN (1) until closed, then CLOSED (3). */
  get readyState(): number {
    return this.#open ? 1 : 3;
  }

  send(text: string): void {
    if (this.#open) {
      this.#send(text);
    }
  }

  ping(payload: string): void {
    setImmediate(() => {
      if (this.#open) {
        this.emit('pong', Buffer.from(String(payload)));
      }
    });
  }

  close(): void {
    if (!this.#open) {
      return;
    }
    this.#open = false;
    this.#closed();
    this.emit('close');
  }

  terminate(): void {
    this.close();
  }

  /** A frame the client sent (through the other server). */
  deliver(text: string): void {
    if (this.#open) {
      this.emit('message', text, false);
    }
  }

  /** The other server reports the client connection closed (or is gone). */
  remoteClosed(): void {
    if (!this.#open) {
      return;
    }
    this.#open = false;
    this.emit('close');
  }
}
