import type { Socket } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { NatsClosedError, NatsProtocolError, NatsServerError } from './errors.js';
import type { NatsParser, NatsParserHandler } from './parser.js';
import type { NatsServerInfo } from './server-info.js';
import { hostPort, type NatsServerAddress } from './servers.js';

/** Sent as `lang` / `version` in `CONNECT`. */
const PING = Buffer.from('PING\r\n');
export const PONG = Buffer.from('PONG\r\n');

/** Options of {@link openConnection} (./handshake.ts). */
export interface ConnectionOptions {
  server: NatsServerAddress;
  /** Connection name shown by the server. */
  name: string;
  /** Do not receive own publications. */
  noEcho: boolean;
  /** Settings for TLS (used for `tls://` URLs and when the server requires it). */
  tls: TlsOptions | undefined;
  /** Limit for connecting, TLS and the `CONNECT`/`PING`/`PONG` handshake. */
  timeoutMs: number;
  pingIntervalMs: number;
  /** Unanswered pings after which the connection counts as dead. */
  maxPingOut: number;
}

/** What an established connection reports to its owner. Must not throw. */
export interface ConnectionHandler {
  msg: NatsParserHandler['msg'];
  /** An `INFO` after the handshake (cluster changes, lame duck mode). */
  info(info: NatsServerInfo): void;
  /** `-ERR` from the server, or a protocol violation (the connection is closed then). */
  error(err: Error): void;
  /** Pings went unanswered; the connection is being closed. */
  stale(): void;
  /** The socket is gone (not called for a {@link Connection.close} by the owner). */
  closed(connection: Connection, err: Error | undefined): void;
}

/**
 * One socket to a NATS server after a successful handshake: reads through {@link NatsParser},
 * answers the server's pings, sends its own and correlates `PONG`s with {@link flush}.
 */
export class Connection {
  readonly server: NatsServerAddress;
  /** The INFO of the server (the latest one). */
  info: NatsServerInfo;
  /** Whether the socket is TLS. */
  readonly tls: boolean;
  readonly #socket: Socket;
  readonly #handler: ConnectionHandler;
  /** One entry per `PING` sent, in order: a flush waiting for it, or undefined for a keepalive. */
  readonly #pongs: Array<((err?: Error) => void) | undefined> = [];
  readonly #maxPingOut: number;
  #pingsOut = 0;
  #timer: NodeJS.Timeout | undefined;
  #ending = false;
  #gone = false;

  /** @internal Use {@link openConnection}. */
  constructor(
    socket: Socket,
    parser: NatsParser,
    info: NatsServerInfo,
    tls: boolean,
    options: ConnectionOptions,
    handler: ConnectionHandler,
  ) {
    this.server = options.server;
    this.info = info;
    this.tls = tls;
    this.#socket = socket;
    this.#handler = handler;
    this.#maxPingOut = options.maxPingOut;
    parser.handler = {
      msg: handler.msg,
      info: (next) => {
        parser.maxPayload = next.max_payload;
        this.info = next;
        handler.info(next);
      },
      ping: () => this.write(PONG),
      pong: () => {
        this.#pingsOut = 0;
        this.#pongs.shift()?.();
      },
      ok: () => undefined,
      err: (message) => handler.error(new NatsServerError(message)),
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        this.abort(err);
      }
    });
    let failure: Error | undefined;
    socket.on('error', (err) => {
      failure ??= err;
    });
    socket.on('close', () => this.#closed(failure));
    this.#timer = setInterval(() => this.#ping(), options.pingIntervalMs);
    this.#timer.unref();
  }

  /** `host:port` with the scheme used, e.g. `tls://127.0.0.1:4222` (no credentials). */
  get url(): string {
    return `${this.tls ? 'tls' : 'nats'}://${hostPort(this.server)}`;
  }

  /** Whether the socket can still be written to. */
  get open(): boolean {
    return !this.#gone && !this.#ending;
  }

  write(data: Buffer): void {
    if (!this.#gone && !this.#ending) {
      this.#socket.write(data);
    }
  }

  /** A protocol violation (what {@link NatsParser.push} threw): reported, then the socket ends. */
  abort(err: unknown): void {
    const error =
      err instanceof NatsProtocolError
        ? err
        : new NatsProtocolError('reading from the NATS server failed', { cause: err });
    if (!this.#gone) {
      this.#handler.error(error);
      this.#socket.destroy(error);
    }
  }

  /** Resolves once the server has answered a `PING` sent after everything written so far. */
  flush(): Promise<void> {
    if (!this.open) {
      return Promise.reject(new NatsClosedError('NATS connection closed'));
    }
    return new Promise((resolve, reject) => {
      this.#pongs.push((err) => (err === undefined ? resolve() : reject(err)));
      this.#socket.write(PING);
    });
  }

  /** Ends the socket after what is written so far has been sent; destroys it after `timeoutMs`. */
  async close(timeoutMs = 1000): Promise<void> {
    if (this.#gone) {
      return;
    }
    this.#ending = true;
    const closed = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    this.#socket.end();
    const timer = setTimeout(() => this.#socket.destroy(), timeoutMs);
    await closed;
    clearTimeout(timer);
  }

  #ping(): void {
    if (this.#pingsOut >= this.#maxPingOut) {
      this.#handler.stale();
      this.#socket.destroy(new NatsClosedError('stale NATS connection'));
      return;
    }
    this.#pingsOut++;
    this.#pongs.push(undefined);
    this.write(PING);
  }

  #closed(err: Error | undefined): void {
    if (this.#gone) {
      return;
    }
    this.#gone = true;
    clearInterval(this.#timer);
    const pending = this.#pongs.splice(0);
    const reason = new NatsClosedError('NATS connection closed', { cause: err });
    for (const waiter of pending) {
      waiter?.(reason);
    }
    if (!this.#ending) {
      this.#handler.closed(this, err);
    }
  }
}
