import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { BackendClient } from './backend/backend-client.js';
import { BackendRegistry } from './backend/backend-registry.js';
import { CapabilitiesCache } from './backend/capabilities.js';
import { HttpFetcher } from './backend/http-fetch.js';
import type { ServerConfig } from './config/server-config.js';
import { DEFAULT_TIMINGS, Hub, type HubTimings } from './hub/hub.js';
import { SessionIdCodec } from './hub/session-ids.js';
import { Throttler } from './hub/throttle.js';
import { createLogger, type Logger } from './logger.js';
import type { BackendApiProcessor } from './transport/backend-api.js';
import { ClientConnection } from './transport/client-connection.js';
import { HttpServer } from './transport/http-server.js';
import { DEFAULT_TRUSTED_PROXIES, IpList, realClientIp } from './transport/real-ip.js';
import { SERVER_HEADER, VERSION } from './version.js';

/** Options of {@link SignalingServer.start}. */
export interface SignalingServerOptions {
  config: ServerConfig;
  logger?: Logger;
  /** Shorter timers for tests. */
  timings?: Partial<HubTimings>;
}

/**
 * The signaling server: wires configuration, backend client, hub and HTTP listeners together.
 * `start()` listens on every configured address; `close()` shuts everything down.
 */
export class SignalingServer {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly hub: Hub;
  readonly backends: BackendRegistry;
  readonly backendClient: BackendClient;
  readonly throttler: Throttler;
  readonly #http: HttpServer;
  readonly #fetcher: HttpFetcher;
  #trustedProxies: IpList;
  #processor: BackendApiProcessor | undefined;
  #ports: number[] = [];

  private constructor(options: SignalingServerOptions) {
    const { config } = options;
    this.config = config;
    this.logger = options.logger ?? createLogger(config.app.debug ? 'debug' : 'info');
    this.backends = new BackendRegistry(config.backend);
    this.throttler = new Throttler();
    this.#trustedProxies = new IpList(config.app.trustedProxies ?? DEFAULT_TRUSTED_PROXIES);
    this.#fetcher = new HttpFetcher({
      connectionsPerHost: config.backend.connectionsPerHost,
      timeoutMs: config.backend.timeoutMs,
      skipVerify: config.backend.skipVerify,
      maxBodyBytes: 4 * 1024 * 1024,
    });
    let hub: Hub | undefined;
    this.backendClient = new BackendClient({
      fetcher: this.#fetcher,
      capabilities: new CapabilitiesCache(this.#fetcher, SERVER_HEADER),
      userAgent: SERVER_HEADER,
      features: () => hub?.features.client ?? [],
    });
    hub = new Hub({
      version: VERSION,
      backends: this.backends,
      backendClient: this.backendClient,
      codec: new SessionIdCodec(config.sessions.hashKey),
      throttler: this.throttler,
      internalSecret: () => this.config.clients.internalSecret,
      logger: this.logger,
      timings: { ...DEFAULT_TIMINGS, ...options.timings },
    });
    this.hub = hub;
    this.#http = new HttpServer({
      logger: this.logger,
      version: VERSION,
      serverHeader: SERVER_HEADER,
      featuresHeader: () => this.hub.features.client.join(', '),
      onWebSocket: (socket, req) => this.#accept(socket, req),
      backendApi: {
        backends: this.backends,
        throttler: this.throttler,
        processor: () => this.#processor,
        clientIp: (req) => this.#clientIp(req),
      },
    });
  }

  /** Creates the server and listens on the configured addresses. */
  static async start(options: SignalingServerOptions): Promise<SignalingServer> {
    const server = new SignalingServer(options);
    for (const address of options.config.http.listen) {
      const port = await server.#http.listen(address);
      server.#ports.push(port);
      server.logger.info('listening', {
        address: address.kind === 'unix' ? address.path : `${address.host}:${port}`,
      });
    }
    return server;
  }

  /** TCP ports actually bound, in config order (0 for unix sockets). */
  get ports(): readonly number[] {
    return this.#ports;
  }

  /** Plugs in the backend rooms API processor. */
  setBackendApiProcessor(processor: BackendApiProcessor): void {
    this.#processor = processor;
  }

  #clientIp(req: IncomingMessage): string {
    return realClientIp(req.socket.remoteAddress ?? '', req.headers, this.#trustedProxies);
  }

  #accept(socket: WebSocket, req: IncomingMessage): void {
    const connection = new ClientConnection(
      socket,
      this.#clientIp(req),
      String(req.headers['user-agent'] ?? ''),
      this.hub,
    );
    this.hub.accept(connection);
  }

  /**
   * Applies a reloaded configuration without dropping connections (SIGHUP): backends, trusted
   * proxies and the internal secret take effect for new requests.
   */
  reload(config: ServerConfig): void {
    this.backends.reload(config.backend);
    this.#trustedProxies = new IpList(config.app.trustedProxies ?? DEFAULT_TRUSTED_PROXIES);
    (this as { config: ServerConfig }).config = config;
  }

  /** Closes listeners and connections. */
  async close(): Promise<void> {
    this.hub.close();
    await this.#http.close();
    this.#fetcher.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
