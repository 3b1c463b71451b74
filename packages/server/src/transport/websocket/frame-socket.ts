/**
 * The small socket interface a client connection talks to: a WebSocket accepted on `/spreed`
 * ({@link ServerSocket}) or the stand-in for a client connected to another server of the cluster
 * (`ProxySocket`). Events are plain callbacks of one listener, not an EventEmitter.
 */

/** Ready states, numbered as the WHATWG WebSocket (and `ws`) number them. */
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/** `CONNECTING`, `OPEN`, `CLOSING` or `CLOSED`. */
export type ReadyState = 0 | 1 | 2 | 3;

/** What a {@link FrameSocket} reports. */
export interface FrameListener {
  /** A complete text message; `bytes` is its size in UTF-8. */
  onText(text: string, bytes: number): void;
  /** A complete binary message. */
  onBinary(data: Buffer): void;
  /** A pong arrived (its payload is only valid during the call). */
  onPong(payload: Buffer): void;
  /**
   * The connection no longer carries messages: a close frame arrived, the peer broke the
   * protocol, we closed it, or the TCP connection is gone. Called exactly once.
   */
  onClose(): void;
}

/** A message-oriented socket to one client. */
export interface FrameSocket {
  /** `OPEN` until closing starts; frames are only sent while `OPEN`. */
  readonly readyState: ReadyState;
  /** Bytes handed to the socket but not yet written to the network. */
  readonly bufferedAmount: number;
  /** Sets the listener; incoming frames are read from then on. Called once. */
  listen(listener: FrameListener): void;
  /** Sends one text message (ignored unless `OPEN`). */
  send(text: string): void;
  /** Sends a ping with `payload` (at most 125 bytes; ignored unless `OPEN`). */
  ping(payload: string): void;
  /** Starts the closing handshake with `code` and `reason` (idempotent). */
  close(code: number, reason: string): void;
  /** Drops the connection at once. */
  terminate(): void;
  /**
   * Holds back writes until {@link uncork}, so that frames sent in a burst leave in one system
   * call. Calls nest like `net.Socket`'s.
   */
  cork(): void;
  uncork(): void;
}
