import http from 'node:http';
import https from 'node:https';
import { BackendRequestError } from './backend-errors.js';

/** A response body read into memory. */
export interface FetchedResponse {
  status: number;
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

/**
 * Minimal HTTP client for requests to Nextcloud: keep-alive pools limited per host, one attempt with
 * a timeout, body size capped. Failures become {@link BackendRequestError}.
 */
export class HttpFetcher {
  readonly #options: HttpFetcherOptions;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;

  constructor(options: HttpFetcherOptions) {
    this.#options = options;
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.connectionsPerHost });
    this.#httpsAgent = new https.Agent({
      keepAlive: true,
      maxSockets: options.connectionsPerHost,
      rejectUnauthorized: !options.skipVerify,
    });
  }

  /** Performs one request. */
  request(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<FetchedResponse> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    const lib = isHttps ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        target,
        {
          method,
          headers:
            body === undefined
              ? headers
              : { ...headers, 'Content-Length': Buffer.byteLength(body) },
          agent: isHttps ? this.#httpsAgent : this.#httpAgent,
          signal: AbortSignal.timeout(this.#options.timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let tooLarge = false;
          res.on('data', (chunk: Buffer) => {
            if (tooLarge) {
              return;
            }
            size += chunk.length;
            if (size > this.#options.maxBodyBytes) {
              tooLarge = true;
              reject(
                new BackendRequestError(
                  'invalid_json',
                  `response from ${target.host} is too large`,
                ),
              );
              // Without an error argument: destroying with one after the response has been read
              // raises it as an uncaught exception.
              req.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            if (!tooLarge) {
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
              });
            }
          });
          res.on('error', (err) => reject(toBackendError(err, target)));
        },
      );
      req.on('error', (err) => reject(toBackendError(err, target)));
      req.end(body);
    });
  }

  /** Closes idle pooled connections. */
  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}

function toBackendError(err: Error, target: URL): BackendRequestError {
  if (err instanceof BackendRequestError) {
    return err;
  }
  if (err.name === 'AbortError' || err.name === 'TimeoutError') {
    return new BackendRequestError('timeout', `request to ${target.host} timed out`, {
      cause: err,
    });
  }
  return new BackendRequestError('unreachable', `could not reach ${target.host}: ${err.message}`, {
    cause: err,
  });
}
