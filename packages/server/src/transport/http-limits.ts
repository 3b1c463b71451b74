import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';

/**
 * Largest request head accepted, counted as Node counts it (the bytes of the URL and of every
 * header name and value); a larger one gets 431. Upstream (Go's default) allows 1 MB; Node's
 * default is 16 KiB. 64 KiB lets a browser's upgrade to `/spreed` carry a large Nextcloud cookie
 * jar (SSO tokens and app cookies can pass 16 KiB) and is twice what nginx's defaults pass on
 * (4 × 8 KiB), while a connection that is still sending its headers holds at most 64 KiB, and
 * only for the read timeout: a 1 MB allowance per slowloris socket would amplify such an attack
 * 16-fold. Nextcloud's own requests to the backend API are small.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

/** `[http]` / `[https]` `readtimeout` and `writetimeout`, as upstream's Go `http.Server` uses them. */
export interface HttpTimeouts {
  /**
   * Longest time to read one whole request, headers and body; also how long a keep-alive
   * connection may wait idle for its next request (Go's IdleTimeout defaults to ReadTimeout),
   * and how long a TLS handshake may take.
   */
  readTimeoutMs: number;
  /** Longest time from the end of a request's headers until its response has been written. */
  writeTimeoutMs: number;
}

/**
 * How often Node checks the connections that are still reading a request against the read
 * timeout: a quarter of it, between 100 ms and 1 s. Node's default (30 s) let slow sockets live
 * up to 30 s past their deadline; each check walks only the connections in the middle of a
 * request, not the idle or upgraded ones.
 */
export function connectionsCheckingInterval(readTimeoutMs: number): number {
  return Math.min(1000, Math.max(100, Math.floor(readTimeoutMs / 4)));
}

/**
 * The `node:http` server options that apply the read timeout and the header size limit.
 *
 * Upstream's ReadTimeout covers reading the whole request from its first byte (from accept for a
 * new connection): Node's `headersTimeout` and `requestTimeout` measure exactly that (from the
 * connection, then from the first byte of each further request on it), and a request that misses
 * them gets 408 and its connection is closed. Go's read-header deadline defaults to the read
 * timeout, hence both are the same. An upgraded WebSocket leaves Node's connection list, so
 * neither applies after the upgrade (as upstream's WebSocket library clears the deadlines of the
 * hijacked connection).
 */
export function serverOptions(timeouts: HttpTimeouts): ServerOptions {
  return {
    headersTimeout: timeouts.readTimeoutMs,
    requestTimeout: timeouts.readTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingInterval(timeouts.readTimeoutMs),
    maxHeaderSize: MAX_HEADER_BYTES,
  };
}

/**
 * Applies the write timeout to one request (not to upgrades, which do not get here): when the
 * response has not been completely handed to the network `writeTimeoutMs` after the request's
 * headers were read, the connection is destroyed. Go's write deadline makes every later write
 * fail, after which the connection is closed; destroying it at the deadline is the same for the
 * peer and frees the socket at once.
 */
export function applyWriteTimeout(
  req: IncomingMessage,
  res: ServerResponse,
  writeTimeoutMs: number,
): void {
  const timer = setTimeout(() => req.socket.destroy(), writeTimeoutMs);
  timer.unref();
  const done = () => clearTimeout(timer);
  res.once('finish', done);
  res.once('close', done);
}
