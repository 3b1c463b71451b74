import { createHmac, randomBytes } from 'node:crypto';
import {
  type HubTimings,
  type LoadedConfig,
  type Logger,
  loadConfig,
  SignalingServer,
  type SignalingServerOptions,
  silentLogger,
  type Throttler,
} from '@spreed-ts/server';
import { TestClient } from './test-client.js';

/** Options of {@link startSignaling}. */
export interface StartSignalingOptions {
  /** Base URLs of allowed Nextcloud backends (section `[backend-N]`), with their secrets. */
  backends?: Array<{ url: string; secret: string; extra?: string }>;
  /** Extra server.conf text appended at the end. */
  extraConfig?: string;
  /** Timer overrides (tests use short ones). */
  timings?: Partial<HubTimings>;
  /** Brute-force protection to use instead of the real one (e.g. one that does not sleep). */
  throttler?: Throttler;
  /** How often the HTTPS certificate files are checked for changes. */
  certificateCheckIntervalMs?: number;
  /** Logger of the server (default: silent). */
  logger?: Logger;
  /** Called with the server before it is returned (e.g. to plug in the rooms layer). */
  setup?: (server: SignalingServer) => { close(): void } | undefined;
}

/** A running in-process signaling server on 127.0.0.1:0. */
export interface SignalingFixture extends AsyncDisposable {
  server: SignalingServer;
  loaded: LoadedConfig;
  /** `http://127.0.0.1:PORT/` */
  httpUrl: string;
  /** `ws://127.0.0.1:PORT/spreed` */
  wsUrl: string;
  /** `https://127.0.0.1:PORT/` of the first `[https] listen` address, if any. */
  httpsUrl: string | undefined;
  internalSecret: string;
  /** Opens a test client and consumes the `welcome` frame. */
  connect(): Promise<TestClient>;
  /** A valid internal-client hello for `backendUrl`. */
  internalHello(backendUrl: string, features?: string[]): Record<string, unknown>;
  close(): Promise<void>;
}

/** Writes a server.conf for the given backends, as an admin would. */
export function serverConf(
  options: StartSignalingOptions & { internalSecret: string; port?: number },
): string {
  const backends = options.backends ?? [];
  const ids = backends.map((_, i) => `backend-${i + 1}`);
  const lines = [
    '[http]',
    `listen = 127.0.0.1:${options.port ?? 0}`,
    '[sessions]',
    `hashkey = ${randomBytes(16).toString('hex')}`,
    `blockkey = ${randomBytes(8).toString('hex')}`,
    '[clients]',
    `internalsecret = ${options.internalSecret}`,
    '[backend]',
    `backends = ${ids.join(', ')}`,
    ...backends.flatMap((b, i) => [
      `[${ids[i]}]`,
      `urls = ${b.url}`,
      `secret = ${b.secret}`,
      b.extra ?? '',
    ]),
    options.extraConfig ?? '',
  ];
  return `${lines.join('\n')}\n`;
}

/** Starts a signaling server in-process. */
export async function startSignaling(
  options: StartSignalingOptions = {},
): Promise<SignalingFixture> {
  const internalSecret = randomBytes(16).toString('hex');
  const loaded = loadConfig(serverConf({ ...options, internalSecret }), {});
  const serverOptions: SignalingServerOptions = {
    config: loaded.config,
    logger: options.logger ?? silentLogger,
    timings: options.timings ?? {},
  };
  if (options.throttler) {
    serverOptions.throttler = options.throttler;
  }
  if (options.certificateCheckIntervalMs !== undefined) {
    serverOptions.certificateCheckIntervalMs = options.certificateCheckIntervalMs;
  }
  const server = await SignalingServer.start(serverOptions);
  const extra = options.setup?.(server);
  const port = server.ports[0] ?? 0;
  const fixture: SignalingFixture = {
    server,
    loaded,
    httpUrl: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}/spreed`,
    httpsUrl:
      server.tlsPorts[0] === undefined ? undefined : `https://127.0.0.1:${server.tlsPorts[0]}/`,
    internalSecret,
    async connect() {
      const client = await TestClient.connect(fixture.wsUrl);
      await client.next('welcome');
      return client;
    },
    internalHello(backendUrl, features = []) {
      const random = randomBytes(24).toString('hex');
      const token = createHmac('sha256', internalSecret).update(random).digest('hex');
      return {
        type: 'hello',
        hello: {
          version: '1.0',
          features,
          auth: { type: 'internal', params: { random, token, backend: backendUrl } },
        },
      };
    },
    async close() {
      extra?.close();
      await server.close();
    },
    async [Symbol.asyncDispose]() {
      await fixture.close();
    },
  };
  return fixture;
}
