/**
 * One WebSocket from a signaling server on `/proxy`: text frames go to the proxy, replies and
 * events come back as JSON. Pings keep it alive as upstream's (every 54 s; a peer silent for
 * 60 s is dropped). Binary frames are ignored, as upstream does.
 */
import type { ProxyServerMessage } from '@spreed-ts/protocol';
import type { Logger, ServerSocket } from '@spreed-ts/server';

/** Interval of keep-alive pings (upstream's `pingPeriod`). */
export const PING_INTERVAL_MS = 54_000;
/** How long without any frame from the peer before the connection is dropped (`pongWait`). */
export const PONG_WAIT_MS = 60_000;
/** Largest frame accepted from a signaling server (upstream's `maxMessageSize`). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * How long a connection may stay without a session (no accepted hello) before it is closed.
 * Upstream's proxy has no such deadline (a peer that answers pings but never says hello keeps
 * its socket forever); its signaling server gives clients 2 s and says goodbye with
 * `hello_timeout`, which is the reason sent here too. Servers say hello at once after connecting,
 * so 10 s leaves room for slow links.
 */
export const HELLO_TIMEOUT_MS = 10_000;

/** The parts of a {@link ServerSocket} a connection uses. */
export type ConnectionSocket = Pick<
  ServerSocket,
  'listen' | 'ping' | 'terminate' | 'send' | 'close'
>;

/** What the connection reports to its owner. */
export interface ConnectionHandler<S> {
  onMessage(connection: ProxyConnection<S>, text: string): void;
  onClosed(connection: ProxyConnection<S>): void;
}

/** A connected signaling server. The session it is bound to is set by the proxy. */
export class ProxyConnection<S = unknown> {
  /** The client's address (after the trusted-proxy rules). */
  readonly address: string;
  session: S | undefined;
  readonly #socket: ConnectionSocket;
  readonly #logger: Logger;
  #lastSeen = Date.now();
  #pinger: NodeJS.Timeout | undefined;
  #helloTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    socket: ConnectionSocket,
    address: string,
    handler: ConnectionHandler<S>,
    logger: Logger,
    helloTimeoutMs = HELLO_TIMEOUT_MS,
  ) {
    this.address = address;
    this.#socket = socket;
    this.#logger = logger;
    this.#pinger = setInterval(() => {
      if (Date.now() - this.#lastSeen > PONG_WAIT_MS) {
        this.#logger.info('proxy client stopped answering pings', { address });
        this.#socket.terminate();
        return;
      }
      this.#socket.ping(String(Date.now()));
    }, PING_INTERVAL_MS);
    this.#pinger.unref();
    this.#helloTimer = setTimeout(() => {
      this.#helloTimer = undefined;
      if (this.session === undefined && !this.#closed) {
        this.#logger.info('proxy client sent no hello in time', { address });
        this.send({ type: 'bye', bye: { reason: 'hello_timeout' } });
        this.close(1000, 'hello timeout');
      }
    }, helloTimeoutMs);
    this.#helloTimer.unref();
    socket.listen({
      onText: (text) => {
        this.#lastSeen = Date.now();
        handler.onMessage(this, text);
      },
      onBinary: () => {
        this.#lastSeen = Date.now();
        this.#logger.debug('ignoring binary frame from proxy client', { address });
      },
      onPong: () => {
        this.#lastSeen = Date.now();
      },
      onClose: () => {
        this.#closed = true;
        clearInterval(this.#pinger);
        clearTimeout(this.#helloTimer);
        handler.onClosed(this);
      },
    });
  }

  /** Whether the connection is gone. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one message (dropped once the connection is closing). */
  send(message: ProxyServerMessage): void {
    this.#socket.send(JSON.stringify(message));
  }

  /** Closes the connection with `code`. */
  close(code = 1000, reason = ''): void {
    this.#socket.close(code, reason);
  }
}
