import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendClient } from './backend/backend-client.js';
import { BackendRegistry } from './backend/backend-registry.js';
import { CapabilitiesCache } from './backend/capabilities.js';
import { HttpFetcher } from './backend/http-fetch.js';
import type { ServerConfig } from './config/server-config.js';
import type { EtcdBackends } from './etcd/etcd-backends.js';
import type { EtcdClient } from './etcd/etcd-client.js';
import { DEFAULT_TIMINGS, Hub, type HubTimings } from './hub/hub.js';
import { SessionIdCodec } from './hub/session-ids.js';
import { Throttler } from './hub/throttle.js';
import { createLogger, type Logger } from './logger.js';
import {
  backendClientObserver,
  connectionObserver,
  hubObserver,
  throttleObserver,
} from './metrics/observers.js';
import { ProcessMetrics } from './metrics/process-metrics.js';
import { RoomMetrics } from './metrics/room-metrics.js';
import { SignalingMetrics } from './metrics/signaling-metrics.js';
import type { CertificateReloader } from './ops/certificate-reloader.js';
import { OpsEndpoints } from './ops/ops-endpoints.js';
import { createSfu } from './sfu/create-sfu.js';
import type { Sfu } from './sfu/sfu.js';
import type { BackendApiProcessor } from './transport/backend-api.js';
import { ClientConnection, type ConnectionObserver } from './transport/client-connection.js';
import { HttpServer } from './transport/http-server.js';
import { DEFAULT_TRUSTED_PROXIES, IpList, realClientIp } from './transport/real-ip.js';
import { ReplayGuard } from './transport/replay-guard.js';
import type { FrameSocket } from './transport/websocket/frame-socket.js';
import { SERVER_HEADER, VERSION } from './version.js';

/** How long startup waits for the first read of the backends from etcd. */
const ETCD_STARTUP_WAIT_MS = 5000;

/**
 * The etcd client of the server when something reads from etcd (`[backend] backendtype = etcd`,
 * `[mcu] urltype = etcd` with `type = proxy`); shared by them, as upstream's one client. Creating
 * it does not wait for etcd.
 */
async function connectEtcd(config: ServerConfig, logger: Logger): Promise<EtcdClient | undefined> {
  const proxies = config.mcu.type === 'proxy' && config.mcu.proxy.urlType === 'etcd';
  if (config.backend.etcd === undefined && !proxies) {
    return undefined;
  }
  // Loaded on demand: the etcd client (and gRPC) is only needed with etcd.
  const { EtcdClient } = await import('./etcd/etcd-client.js');
  return EtcdClient.connect(config.etcd, logger);
}

/** Options of {@link SignalingServer.start}. */
export interface SignalingServerOptions {
  config: ServerConfig;
  logger?: Logger;
  /** Shorter timers for tests. */
  timings?: Partial<HubTimings>;
  /** Brute-force protection to use (tests pass one that does not sleep). */
  throttler?: Throttler;
  /** How often certificate and key files are checked for changes (default 1 s). */
  certificateCheckIntervalMs?: number;
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
  /** The media server (`[mcu]`): Janus, or none for peer-to-peer calls. */
  readonly sfu: Sfu;
  /** Upstream's Prometheus metrics (and the registry `/metrics` renders). */
  readonly metrics: SignalingMetrics;
  /** Room and call metrics, for the rooms feature to report into. */
  readonly roomMetrics: RoomMetrics;
  /** `/metrics`, `/api/v1/stats`, `/api/v1/serverinfo`, `/turn/credentials`. */
  readonly ops: OpsEndpoints;
  readonly #http: HttpServer;
  readonly #fetcher: HttpFetcher;
  readonly #processMetrics: ProcessMetrics;
  readonly #connectionObserver: ConnectionObserver;
  #certificates: CertificateReloader | undefined;
  #trustedProxies: IpList;
  #processor: BackendApiProcessor | undefined;
  readonly #etcdClient: EtcdClient | undefined;
  #etcdBackends: EtcdBackends | undefined;
  #ports: number[] = [];
  #tlsPorts: number[] = [];

  private constructor(
    options: SignalingServerOptions & { logger: Logger },
    sfu: Sfu,
    etcd: EtcdClient | undefined,
  ) {
    const { config } = options;
    this.config = config;
    this.#etcdClient = etcd;
    this.logger = options.logger;
    this.backends = new BackendRegistry(config.backend);
    this.throttler = options.throttler ?? new Throttler();
    this.metrics = new SignalingMetrics();
    this.roomMetrics = new RoomMetrics(this.metrics);
    this.#processMetrics = new ProcessMetrics(this.metrics.registry);
    this.metrics.watchBackends(() => {
      const backend = this.config.backend;
      return backend.allowAll && backend.etcd === undefined
        ? [backend.allowAllBackend ?? { id: 'compat', sessionLimit: 0 }]
        : this.backends.backends;
    });
    this.throttler.observer = throttleObserver(this.metrics);
    this.#connectionObserver = connectionObserver(this.metrics);
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
    this.backendClient.observer = backendClientObserver(this.metrics);
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
    this.sfu = sfu;
    this.hub.observer = hubObserver(this.metrics);
    const commonHeaders = () => ({
      Server: SERVER_HEADER,
      'X-Spreed-Signaling-Features': this.hub.features.client.join(', '),
    });
    this.ops = new OpsEndpoints({
      config,
      version: VERSION,
      hub: this.hub,
      registry: this.metrics.registry,
      rooms: this.roomMetrics,
      logger: this.logger,
      clientIp: (req) => this.#clientIp(req),
      commonHeaders,
    });
    if (etcd !== undefined) {
      this.ops.etcdInfo = () => etcd.serverInfo();
    }
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
        replays: new ReplayGuard(),
      },
      extraRoutes: [this.ops.route],
    });
  }

  /** Creates the server and listens on the configured addresses. */
  static async start(options: SignalingServerOptions): Promise<SignalingServer> {
    const logger = options.logger ?? createLogger(options.config.app.debug ? 'debug' : 'info');
    const etcd = await connectEtcd(options.config, logger);
    let sfu: Sfu;
    try {
      // Loaded on demand: the Janus client is only needed with `[mcu] type = janus`.
      sfu = await createSfu(options.config.mcu, logger, options.config.geoip, etcd);
    } catch (err) {
      etcd?.close();
      throw err;
    }
    const server = new SignalingServer({ ...options, logger }, sfu, etcd);
    try {
      await server.#startEtcdBackends();
      await server.#listen(options);
      server.sfu.start();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /**
   * `[backend] backendtype = etcd`: connects to etcd and keeps the registry in step with the
   * entries under `backendprefix`. Waits a moment for the first read so that clients are not
   * refused right after startup, but starts anyway when etcd is not reachable (its entries are
   * added once it answers).
   */
  async #startEtcdBackends(): Promise<void> {
    const etcd = this.config.backend.etcd;
    const client = this.#etcdClient;
    if (etcd === undefined || client === undefined) {
      return;
    }
    const { EtcdBackends } = await import('./etcd/etcd-backends.js');
    const backends = new EtcdBackends({
      client,
      prefix: etcd.prefix,
      registry: this.backends,
      logger: this.logger,
    });
    this.#etcdBackends = backends;
    backends.start();
    const waiting = new AbortController();
    const synced = await Promise.race([
      backends.synced().then(() => true),
      sleep(ETCD_STARTUP_WAIT_MS, false, { signal: waiting.signal }).catch(() => false),
    ]);
    waiting.abort();
    if (synced) {
      this.logger.info('backends read from etcd', {
        prefix: etcd.prefix,
        backends: this.backends.backends.length,
      });
    } else {
      this.logger.warn('etcd did not answer yet, starting without its backends', {
        prefix: etcd.prefix,
      });
    }
  }

  async #listen(options: SignalingServerOptions): Promise<void> {
    const { http, https } = options.config;
    for (const address of http.listen) {
      const port = await this.#http.listen(address, http);
      this.#ports.push(port);
      this.logger.info('listening', {
        address: address.kind === 'unix' ? address.path : `${address.host}:${port}`,
      });
    }
    if (https.listen.length === 0) {
      return;
    }
    // Loaded on demand (with node:tls's secure contexts): only TLS listeners need it.
    const { CertificateReloader } = await import('./ops/certificate-reloader.js');
    const reloaderOptions: ConstructorParameters<typeof CertificateReloader>[0] = {
      certificate: https.certificate,
      key: https.key,
      logger: this.logger,
    };
    if (options.certificateCheckIntervalMs !== undefined) {
      reloaderOptions.intervalMs = options.certificateCheckIntervalMs;
    }
    const certificates = new CertificateReloader(reloaderOptions);
    this.#certificates = certificates;
    for (const address of https.listen) {
      const port = await this.#http.listen(address, https, {
        secure: certificates.secureContext,
        created: (server) => certificates.attach(server),
      });
      this.#tlsPorts.push(port);
      this.logger.info('listening', {
        address: address.kind === 'unix' ? address.path : `${address.host}:${port}`,
        tls: true,
      });
    }
  }

  /** TCP ports of `[http] listen` actually bound, in config order (0 for unix sockets). */
  get ports(): readonly number[] {
    return this.#ports;
  }

  /** TCP ports of `[https] listen` actually bound, in config order (0 for unix sockets). */
  get tlsPorts(): readonly number[] {
    return this.#tlsPorts;
  }

  /** Plugs in the backend rooms API processor. */
  setBackendApiProcessor(processor: BackendApiProcessor): void {
    this.#processor = processor;
  }

  #clientIp(req: IncomingMessage): string {
    return realClientIp(req.socket.remoteAddress ?? '', req.headers, this.#trustedProxies);
  }

  #accept(socket: FrameSocket, req: IncomingMessage): void {
    const connection = new ClientConnection(
      socket,
      this.#clientIp(req),
      String(req.headers['user-agent'] ?? ''),
      this.hub,
    );
    connection.observer = this.#connectionObserver;
    this.hub.accept(connection);
  }

  /**
   * Applies a reloaded configuration without dropping connections (SIGHUP): backends, trusted
   * proxies, the internal secret and `[stats] allowed_ips` take effect for new requests; the SFU
   * takes what it can (the proxy list, timeouts and bitrates with `type = proxy`).
   */
  reload(config: ServerConfig): void {
    this.backends.reload(config.backend);
    this.#trustedProxies = new IpList(config.app.trustedProxies ?? DEFAULT_TRUSTED_PROXIES);
    this.ops.reload(config);
    this.sfu.reload?.(config);
    (this as { config: ServerConfig }).config = config;
  }

  /**
   * Schedules a shutdown (SIGUSR1), as upstream: the listeners close, so new connections go to
   * another server; new hellos on connections already open are refused; existing sessions go on.
   * `drained` is called once the last session (internal ones aside) is gone. Returns false when a
   * shutdown was already scheduled.
   */
  scheduleShutdown(drained: () => void): boolean {
    if (this.hub.shutdownScheduled) {
      return false;
    }
    this.#http.stopAccepting();
    return this.hub.scheduleShutdown(drained);
  }

  /** Closes listeners and connections (with `code`, default 1012 "service restart"). */
  async close(code?: number): Promise<void> {
    this.hub.close(code);
    await this.sfu.close();
    this.#certificates?.close();
    this.#etcdBackends?.close();
    this.#etcdClient?.close();
    await this.#http.close();
    this.#fetcher.close();
    this.#processMetrics.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
