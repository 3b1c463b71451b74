import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { BackendRequestError } from '../backend-errors.js';
import { BodyTooLargeError, HttpParseError, ResponseParser } from './response-parser.js';
import type { Origin } from './target.js';

/** A complete response. */
export interface Http1Response {
  status: number;
  /** Lowercase names; repeated headers joined with ", " (set-cookie: an array). */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request waiting for or being served by a connection. */
export class PendingRequest {
  /** Head and body, written at once. */
  readonly data: string | Buffer;
  /** HEAD: the response has no body. */
  readonly noBody: boolean;
  /** `performance.now()` by which it must be answered. */
  readonly deadline: number;
  readonly resolve: (response: Http1Response) => void;
  readonly reject: (err: Error) => void;
  /** Whether it was already retried after a stale keep-alive connection failed. */
  retried = false;

  constructor(
    data: string | Buffer,
    noBody: boolean,
    deadline: number,
    resolve: (response: Http1Response) => void,
    reject: (err: Error) => void,
  ) {
    this.data = data;
    this.noBody = noBody;
    this.deadline = deadline;
    this.resolve = resolve;
    this.reject = reject;
  }
}

/** What a {@link Connection} reports to (its pool). */
export interface ConnectionOwner {
  readonly origin: Origin;
  readonly maxBodyBytes: number;
  /**
   * The connection finished a response. `reusable`: it may carry another request;
   * `keepAliveTimeoutMs`: the server's `Keep-Alive: timeout` hint, or -1.
   */
  released(connection: Connection, reusable: boolean, keepAliveTimeoutMs: number): void;
  /**
   * The connection is gone (called once). `retry`: a request to send again on a fresh connection
   * because this reused connection failed before any byte of its response arrived.
   */
  removed(connection: Connection, retry: PendingRequest | undefined): void;
}

/**
 * One HTTP/1.1 connection: sends one request at a time (written in one piece), parses the
 * response, and reports to its owner. Failures reject the request with a
 * {@link BackendRequestError}, except that a request that finds its reused connection reset or
 * closed before any response byte is handed back for one retry.
 */
export class Connection {
  readonly socket: Socket;
  /** The request in flight. */
  request: PendingRequest | undefined;
  /** `performance.now()` after which an idle connection is closed. */
  idleDeadline = 0;
  closed = false;

  readonly #owner: ConnectionOwner;
  #parser: ResponseParser | undefined;
  /** Whether a response completed on this connection before. */
  #reused = false;
  /** Whether the current request went out on a reused connection. */
  #sentOnReuse = false;

  constructor(owner: ConnectionOwner, socket: Socket) {
    this.#owner = owner;
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  /** Sends `request` (the connection must be free). */
  send(request: PendingRequest): void {
    this.request = request;
    this.#sentOnReuse = this.#reused;
    this.#parser = new ResponseParser(this.#owner.maxBodyBytes, request.noBody);
    this.socket.write(request.data);
  }

  /** Closes the connection; a request in flight is rejected with `error`. */
  abort(error?: Error): void {
    this.#close(error, false);
  }

  readonly #onData = (chunk: Buffer): void => {
    const parser = this.#parser;
    if (parser === undefined) {
      // Bytes nobody asked for: the connection is out of step.
      this.#close(undefined, false);
      return;
    }
    let end: number;
    try {
      end = parser.push(chunk);
    } catch (err) {
      this.#close(this.#parseError(err as Error), false);
      return;
    }
    if (end !== -1) {
      this.#complete(parser, end === chunk.length);
    }
  };

  readonly #onEnd = (): void => {
    const parser = this.#parser;
    if (parser?.finish()) {
      this.#complete(parser, false);
      return;
    }
    this.#close(undefined, true);
  };

  readonly #onError = (err: Error): void => {
    this.#close(
      new BackendRequestError(
        'unreachable',
        `could not reach ${this.#owner.origin.host}: ${err.message}`,
        { cause: err },
      ),
      true,
    );
  };

  readonly #onClose = (): void => {
    this.#close(undefined, true);
  };

  #complete(parser: ResponseParser, clean: boolean): void {
    const request = this.request!;
    this.request = undefined;
    this.#parser = undefined;
    this.#reused = true;
    request.resolve({ status: parser.status, headers: parser.headers, body: parser.body });
    // Trailing bytes after the response mean the connection is out of step.
    this.#owner.released(this, clean && parser.keepAlive, parser.keepAliveTimeoutMs);
  }

  /**
   * Destroys the connection and rejects a request in flight with `error` (default: closed before
   * the response was complete). `lost`: the transport failed (reset, EOF), which a stale reused
   * connection explains.
   */
  #close(error: Error | undefined, lost: boolean): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    const request = this.request;
    const started = this.#parser?.started ?? false;
    this.request = undefined;
    this.#parser = undefined;
    this.socket.destroy();
    const retry =
      request !== undefined && lost && this.#sentOnReuse && !started && !request.retried;
    if (retry) {
      request.retried = true;
    }
    this.#owner.removed(this, retry ? request : undefined);
    if (request !== undefined && !retry) {
      request.reject(error ?? this.#closedError());
    }
  }

  #closedError(): BackendRequestError {
    return new BackendRequestError(
      'unreachable',
      `connection to ${this.#owner.origin.host} closed before the response was complete`,
    );
  }

  #parseError(err: Error): Error {
    const host = this.#owner.origin.host;
    if (err instanceof BodyTooLargeError) {
      return new BackendRequestError('invalid_json', `response from ${host} is too large`, {
        cause: err,
      });
    }
    if (err instanceof HttpParseError) {
      return new BackendRequestError(
        'unreachable',
        `malformed HTTP response from ${host}: ${err.message}`,
        { cause: err },
      );
    }
    return err;
  }
}
