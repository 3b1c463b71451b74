/**
 * The proxy's HTTP listener (upstream's routes): `GET /proxy` (WebSocket for signaling servers),
 * `GET /welcome`, and `GET /stats` / `GET /metrics` for clients in `[stats] allowed_ips` (judged
 * after the `[app] trustedproxies` rules). Anything else is 404, other methods 405.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  acceptUpgrade,
  EXPOSITION_CONTENT_TYPE,
  type IpList,
  type ListenAddress,
  type Logger,
  realClientIp,
  type ServerSocket,
} from '@spreed-ts/server';
import { MAX_MESSAGE_BYTES } from './proxy-connection.js';

/** The proxy's WebSocket path. */
const PROXY_PATHS: readonly string[] = ['/proxy'];

/** How long {@link ProxyHttpServer.close} waits for open connections to finish. */
const CLOSE_GRACE_MS = 2_000;

/** What the listener serves. */
export interface ProxyHttpOptions {
  version: string;
  /** `X-Spreed-Signaling-Features`. */
  features: readonly string[];
  readTimeoutMs: number;
  writeTimeoutMs: number;
  /** Current lists (reloaded on SIGHUP). */
  trustedProxies: () => IpList;
  statsAllowed: () => IpList;
  stats: () => Record<string, unknown>;
  metrics: () => string;
  /** A signaling server connected on `/proxy`. */
  onWebSocket: (socket: ServerSocket, address: string) => void;
  logger: Logger;
}

/** Value of the `Server` header. */
export function serverHeader(version: string): string {
  return `spreed-ts-proxy/${version}`;
}

export class ProxyHttpServer {
  readonly #o: ProxyHttpOptions;
  readonly #servers: http.Server[] = [];

  constructor(options: ProxyHttpOptions) {
    this.#o = options;
  }

  #headers(): Record<string, string> {
    return {
      Server: serverHeader(this.#o.version),
      'X-Spreed-Signaling-Features': this.#o.features.join(', '),
    };
  }

  #address(req: IncomingMessage): string {
    return realClientIp(req.socket.remoteAddress ?? '', req.headers, this.#o.trustedProxies());
  }

  #upgrade(req: IncomingMessage, duplex: Duplex, head: Buffer): void {
    acceptUpgrade(
      req,
      duplex,
      head,
      { paths: PROXY_PATHS, maxMessageBytes: MAX_MESSAGE_BYTES, headers: this.#headers() },
      (ws) => this.#o.onWebSocket(ws, this.#address(req)),
    );
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const text = (status: number, body: string) =>
      res
        .writeHead(status, { ...this.#headers(), 'Content-Type': 'text/plain; charset=utf-8' })
        .end(body);
    const routes: Record<string, () => void> = {
      '/welcome': () => {
        res.writeHead(200, {
          ...this.#headers(),
          'Content-Type': 'application/json; charset=utf-8',
        });
        res.end(
          `${JSON.stringify({ 'nextcloud-spreed-signaling-proxy': 'Welcome', version: this.#o.version })}\n`,
        );
      },
      '/proxy': () => text(400, 'Bad Request\n'),
      '/stats': () => {
        res.writeHead(200, {
          ...this.#headers(),
          'Content-Type': 'application/json; charset=utf-8',
          'X-Content-Type-Options': 'nosniff',
        });
        res.end(JSON.stringify(this.#o.stats(), null, 2));
      },
      '/metrics': () => {
        res.writeHead(200, { ...this.#headers(), 'Content-Type': EXPOSITION_CONTENT_TYPE });
        res.end(this.#o.metrics());
      },
    };
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route === undefined) {
      text(404, '404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      text(405, 'Method Not Allowed\n');
      return;
    }
    if (
      (path === '/stats' || path === '/metrics') &&
      !this.#o.statsAllowed().contains(this.#address(req))
    ) {
      text(403, 'Authentication check failed\n');
      return;
    }
    route();
  }

  /** Starts listening on `address`; resolves with the bound port. */
  listen(address: ListenAddress & { kind: 'tcp' }): Promise<number> {
    const server = http.createServer({
      requestTimeout: this.#o.readTimeoutMs,
      headersTimeout: this.#o.readTimeoutMs,
      maxHeaderSize: 16 * 1024,
    });
    server.on('request', (req, res) => {
      res.setTimeout(this.#o.writeTimeoutMs, () => res.destroy());
      this.#request(req, res);
    });
    server.keepAliveTimeout = this.#o.readTimeoutMs;
    server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
    this.#servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        const bound = server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
        this.#o.logger.info('listening', { address: `${address.host}:${port}` });
        resolve(port);
      });
    });
  }

  /** Stops listening and closes idle connections. */
  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
            // WebSockets get a moment for their closing handshake, not the full close timeout.
            setTimeout(resolve, CLOSE_GRACE_MS).unref();
          }),
      ),
    );
  }
}
