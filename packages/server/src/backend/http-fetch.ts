import type http from 'node:http';
import { BackendRequestError } from './backend-errors.js';
import { PendingRequest } from './http1/connection.js';
import { Pool } from './http1/pool.js';
import { parseTarget, serializeRequest, type Target } from './http1/target.js';

/** A response body read into memory. */
export interface FetchedResponse {
  status: number;
  /** Lowercase names like node's; repeated headers joined with ", " (set-cookie: an array). */
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Options of {@link HttpFetcher}. */
export interface HttpFetcherOptions {
  /** Concurrent connections per host (`[backend] connectionsperhost`). */
  connectionsPerHost: number;
  /** Request timeout (`[backend] timeout`). */
  timeoutMs: number;
  /** Skip TLS certificate checks (`[backend] skipverify`). */
  skipVerify: boolean;
  /** Largest response body accepted. */
  maxBodyBytes: number;
}

/** Parsed URLs kept (the server talks to a few backends, each at two or three URLs). */
const TARGET_CACHE_LIMIT = 256;

/**
 * Minimal HTTP/1.1 client for requests to Nextcloud (see `http1/`): keep-alive pools limited per
 * origin with a FIFO queue, one retry when a reused idle connection turns out to be closed, a
 * timeout per request (queueing included), body size capped. Failures become
 * {@link BackendRequestError}; invalid URLs and header values are rejected with a TypeError.
 */
export class HttpFetcher {
  readonly #options: HttpFetcherOptions;
  readonly #pools = new Map<string, Pool>();
  readonly #targets = new Map<string, Target>();
  /** Enforces deadlines and idle expiry while there is anything to watch. */
  #sweeper: NodeJS.Timeout | undefined;
  readonly #sweepMs: number;

  constructor(options: HttpFetcherOptions) {
    this.#options = options;
    // Timeouts fire up to a tenth late (at most 250 ms), with one timer for all requests.
    this.#sweepMs = Math.min(250, Math.max(5, Math.floor(options.timeoutMs / 10)));
  }

  /** Performs one request. */
  request(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<FetchedResponse> {
    let target = this.#targets.get(url);
    let data: string | Buffer;
    try {
      if (target === undefined) {
        target = parseTarget(url);
        if (this.#targets.size >= TARGET_CACHE_LIMIT) {
          this.#targets.clear();
        }
        this.#targets.set(url, target);
      }
      data = serializeRequest(method, target, headers, body);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#sweeper === undefined) {
      this.#sweeper = setInterval(this.#sweep, this.#sweepMs);
      this.#sweeper.unref();
    }
    const pool = this.#pool(target);
    const now = performance.now();
    const deadline = now + this.#options.timeoutMs;
    return new Promise<FetchedResponse>((resolve, reject) => {
      // GET and POST only: their responses are framed by their headers (HEAD's would not be).
      pool.dispatch(new PendingRequest(data, false, deadline, resolve, reject), now);
    });
  }

  /** Destroys all connections; requests in flight or waiting fail. */
  close(): void {
    const error = new BackendRequestError('unreachable', 'the HTTP client was closed');
    for (const pool of this.#pools.values()) {
      pool.close(error);
    }
    this.#pools.clear();
    this.#stopSweeper();
  }

  #pool(target: Target): Pool {
    const origin = target.origin;
    let pool = this.#pools.get(origin.key);
    if (pool === undefined) {
      pool = new Pool(origin, this.#options);
      this.#pools.set(origin.key, pool);
    }
    return pool;
  }

  readonly #sweep = (): void => {
    const now = performance.now();
    let busy = false;
    for (const [key, pool] of this.#pools) {
      pool.sweep(now);
      if (pool.busy) {
        busy = true;
      } else {
        this.#pools.delete(key);
      }
    }
    if (!busy) {
      this.#stopSweeper();
    }
  };

  #stopSweeper(): void {
    if (this.#sweeper !== undefined) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}
