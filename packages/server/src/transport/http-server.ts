import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { ListenAddress } from '../config/server-config.js';
import type { Logger } from '../logger.js';
import { type BackendApiDeps, handleBackendRoomRequest } from './backend-api.js';
import { applyWriteTimeout, type HttpTimeouts, serverOptions } from './http-limits.js';
import { acceptUpgrade } from './websocket/accept-upgrade.js';
import type { FrameSocket } from './websocket/frame-socket.js';
import { ServerSocket } from './websocket/server-socket.js';

/** Maximum size of one client frame (upstream: 64 KiB). */
export const MAX_FRAME_BYTES = 64 * 1024;

/** The signaling WebSocket's paths. */
const SIGNALING_PATHS: readonly string[] = ['/spreed', '/spreed/'];

/** Extra HTTP routes served next to the signaling endpoints (stats, metrics, …). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Makes a listener HTTPS. */
export interface TlsListenOptions {
  /** Certificate, key and any other TLS settings. */
  secure: https.ServerOptions;
  /** Receives the created server (e.g. to swap its certificate when the files change). */
  created?: (server: https.Server) => void;
}

/** What the HTTP layer needs. */
export interface HttpServerOptions {
  logger: Logger;
  version: string;
  serverHeader: string;
  /** Comma-joined features for `X-Spreed-Signaling-Features`. */
  featuresHeader: () => string;
  /** A WebSocket on `/spreed` was accepted. */
  onWebSocket: (socket: FrameSocket, req: IncomingMessage) => void;
  backendApi: Omit<BackendApiDeps, 'commonHeaders'>;
  extraRoutes?: RouteHandler[];
}

/**
 * The HTTP listener: `/spreed` WebSocket upgrades, `/api/v1/welcome`, `/api/v1/room/<id>`, and any
 * extra routes. Everything else is 404.
 */
export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #servers: http.Server[] = [];

  constructor(options: HttpServerOptions) {
    this.#options = options;
  }

  #commonHeaders(): Record<string, string> {
    return {
      Server: this.#options.serverHeader,
      'X-Spreed-Signaling-Features': this.#options.featuresHeader(),
    };
  }

  /**
   * An upgrade request: the WebSocket handshake on `/spreed` (see `websocket/handshake.ts`), then
   * the connection is a {@link ServerSocket}. The socket is a `net.Socket` (a `tls.TLSSocket` for
   * HTTPS listeners).
   */
  #upgrade(req: IncomingMessage, duplex: Duplex, head: Buffer): void {
    acceptUpgrade(
      req,
      duplex,
      head,
      { paths: SIGNALING_PATHS, maxMessageBytes: MAX_FRAME_BYTES, headers: this.#commonHeaders() },
      (ws) => this.#options.onWebSocket(ws, req),
    );
  }

  #request(req: IncomingMessage, res: ServerResponse, writeTimeoutMs: number): void {
    applyWriteTimeout(req, res, writeTimeoutMs);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/api/v1/welcome') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      res.writeHead(200, {
        ...this.#commonHeaders(),
        'Content-Type': 'application/json; charset=utf-8',
      });
      res.end(
        `${JSON.stringify({ 'nextcloud-spreed-signaling': 'Welcome', version: this.#options.version })}\n`,
      );
      return;
    }
    const room = /^\/api\/v1\/room\/([^/]+)$/.exec(path);
    if (room) {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      let roomId: string;
      try {
        roomId = decodeURIComponent(room[1] as string);
      } catch {
        res
          .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
          .end('404 page not found\n');
        return;
      }
      handleBackendRoomRequest(req, res, roomId, {
        ...this.#options.backendApi,
        commonHeaders: () => this.#commonHeaders(),
      }).catch((err: unknown) => {
        this.#options.logger.error('backend request failed', { error: String(err) });
        if (!res.headersSent) {
          res
            .writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
            .end('Error while processing\n');
        }
      });
      return;
    }
    for (const route of this.#options.extraRoutes ?? []) {
      if (route(req, res)) {
        return;
      }
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  }

  /**
   * Starts listening on one address with the section's timeouts (see `http-limits.ts`), with
   * TLS when `tls` is given; returns the bound TCP port (0 for unix sockets).
   */
  listen(address: ListenAddress, timeouts: HttpTimeouts, tls?: TlsListenOptions): Promise<number> {
    const onRequest = (req: IncomingMessage, res: ServerResponse) =>
      this.#request(req, res, timeouts.writeTimeoutMs);
    let server: http.Server;
    if (tls) {
      // Upstream's read deadline starts at accept, so it also bounds the TLS handshake.
      const secure = https.createServer(
        { ...tls.secure, ...serverOptions(timeouts), handshakeTimeout: timeouts.readTimeoutMs },
        onRequest,
      );
      tls.created?.(secure);
      server = secure;
    } else {
      server = http.createServer(serverOptions(timeouts), onRequest);
    }
    // Upstream's idle timeout for keep-alive connections is unset, so Go uses the read timeout.
    server.keepAliveTimeout = timeouts.readTimeoutMs;
    server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
    this.#servers.push(server);
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      const done = () => {
        server.off('error', onError);
        const bound = server.address();
        resolve(typeof bound === 'object' && bound !== null ? bound.port : 0);
      };
      if (address.kind === 'unix') {
        server.listen(address.path, done);
      } else {
        server.listen(address.port, address.host, done);
      }
    });
  }

  /**
   * Stops accepting connections (a scheduled shutdown): open WebSockets and requests in progress
   * go on, idle keep-alive sockets are closed.
   */
  stopAccepting(): void {
    for (const server of this.#servers) {
      if (server.listening) {
        server.close();
        server.closeIdleConnections();
      }
    }
  }

  /** Stops accepting connections and closes idle keep-alive sockets. */
  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      ),
    );
  }
}
