/**
 * A running proxy: the SFU (Janus), the token keys, the API and the HTTP listeners, wired from a
 * {@link ProxyConfig}. `main.ts` drives it from the command line and signals; tests may start it
 * in-process.
 */
import {
  DEFAULT_TRUSTED_PROXIES,
  IpList,
  JanusSfu,
  type Logger,
  ProxyTokenSigner,
  VERSION,
} from '@spreed-ts/server';
import type { ProxyConfig } from './config.js';
import { ProxyHttpServer } from './http.js';
import { ProxyConnection } from './proxy-connection.js';
import { ProxyMetrics } from './proxy-metrics.js';
import { ProxyServer, proxyFeatures } from './proxy-server.js';
import type { ProxySession } from './proxy-session.js';
import { RemoteStreams } from './remote-streams.js';
import { StaticTokenKeys, type TokenKeys } from './token-keys.js';

/** Creates the token keys of `[app] tokentype`. */
export type TokenKeysFactory = (
  config: ProxyConfig,
  logger: Logger,
) => TokenKeys | Promise<TokenKeys>;

/**
 * `tokentype = static`: key files of `[tokens]`; `tokentype = etcd`: keys watched in etcd (the
 * etcd modules are loaded only then).
 */
export const defaultTokenKeys: TokenKeysFactory = async (config, logger) => {
  switch (config.app.tokenType) {
    case 'static':
      return new StaticTokenKeys(config.tokens, logger);
    case 'etcd': {
      const { EtcdProxyTokenKeys } = await import('./etcd-token-keys.js');
      return EtcdProxyTokenKeys.start(config, logger);
    }
  }
};

export class ProxyApp {
  readonly proxy: ProxyServer;
  readonly sfu: JanusSfu;
  readonly metrics = new ProxyMetrics();
  readonly #http: ProxyHttpServer;
  readonly #tokens: TokenKeys;
  readonly #logger: Logger;
  /** Open WebSockets, with or without a session (closed on shutdown). */
  readonly #connections = new Set<ProxyConnection<ProxySession>>();
  #trusted: IpList;
  #statsAllowed: IpList;
  /** Bound ports of the listeners, in `[http] listen` order. */
  readonly ports: number[] = [];

  private constructor(config: ProxyConfig, logger: Logger, tokens: TokenKeys) {
    this.#logger = logger;
    this.#tokens = tokens;
    this.#trusted = trustedList(config);
    this.#statsAllowed = new IpList(config.stats.allowedIps);
    const filter = {
      allowed:
        config.mcu.allowedCandidates.length > 0
          ? new IpList(config.mcu.allowedCandidates)
          : undefined,
      blocked:
        config.mcu.blockedCandidates.length > 0
          ? new IpList(config.mcu.blockedCandidates)
          : undefined,
    };
    this.sfu = new JanusSfu({
      url: config.mcu.url,
      timeoutMs: config.mcu.timeoutMs,
      limits: {
        maxStreamBitrate: config.mcu.maxStreamBitrate,
        maxScreenBitrate: config.mcu.maxScreenBitrate,
      },
      filter,
      logger,
    });
    this.metrics.observeSfu(this.sfu);
    this.proxy = new ProxyServer({
      sfu: this.sfu,
      sfuUrl: config.mcu.url,
      tokens: this.#tokens,
      metrics: this.metrics,
      logger,
      version: VERSION,
      country: config.app.country,
      timeoutMs: config.mcu.timeoutMs,
      bandwidth: { ...config.bandwidth },
      filter,
      ...(config.app.remote === undefined
        ? {}
        : {
            remote: new RemoteStreams({
              signer: ProxyTokenSigner.fromFile(
                config.app.remote.tokenId,
                config.app.remote.tokenKeyPath,
              ),
              hostname: config.app.remote.hostname,
              sfu: this.sfu,
              logger,
              timeoutMs: config.mcu.timeoutMs,
            }),
          }),
    });
    if (config.app.remote !== undefined) {
      logger.info('remote streams enabled', {
        tokenId: config.app.remote.tokenId,
        hostname: config.app.remote.hostname,
      });
    }
    this.#http = new ProxyHttpServer({
      version: VERSION,
      features: proxyFeatures(config.app.remote !== undefined),
      readTimeoutMs: config.http.readTimeoutMs,
      writeTimeoutMs: config.http.writeTimeoutMs,
      trustedProxies: () => this.#trusted,
      statsAllowed: () => this.#statsAllowed,
      stats: () => this.proxy.stats(),
      metrics: () => this.metrics.registry.render(),
      logger,
      onWebSocket: (socket, address) => {
        logger.debug('proxy client connected', { address });
        const connection = new ProxyConnection<ProxySession>(
          socket,
          address,
          {
            onMessage: (connection, text) => this.proxy.handleFrame(connection, text),
            onClosed: (closed) => {
              logger.debug('proxy client disconnected', { address });
              this.#connections.delete(closed);
              this.proxy.connectionClosed(closed);
            },
          },
          logger,
        );
        if (!connection.closed) {
          this.#connections.add(connection);
        }
      },
    });
  }

  /** Starts connecting to Janus and listening. */
  static async start(
    config: ProxyConfig,
    logger: Logger,
    tokens: TokenKeysFactory = defaultTokenKeys,
  ): Promise<ProxyApp> {
    const keys = await tokens(config, logger);
    let app: ProxyApp;
    try {
      app = new ProxyApp(config, logger, keys);
    } catch (err) {
      keys.close();
      throw err;
    }
    app.sfu.start();
    try {
      for (const address of config.http.listen) {
        if (address.kind === 'tcp') {
          app.ports.push(await app.#http.listen(address));
        }
      }
    } catch (err) {
      await app.close();
      throw err;
    }
    return app;
  }

  /** SIGHUP: token keys, trusted proxies, allowed stats IPs and bandwidth limits. */
  reload(config: ProxyConfig): void {
    this.#tokens.reload?.(config);
    this.#trusted = trustedList(config);
    this.#statsAllowed = new IpList(config.stats.allowedIps);
    this.proxy.setBandwidth({ ...config.bandwidth });
    this.#logger.setLevel(config.app.debug ? 'debug' : 'info');
  }

  /** Closes sessions, the SFU and the listeners. */
  async close(): Promise<void> {
    await this.proxy.close();
    for (const connection of this.#connections) {
      connection.close(1001, 'shutting down');
    }
    await this.sfu.close();
    await this.#http.close();
    this.#tokens.close();
  }
}

function trustedList(config: ProxyConfig): IpList {
  return new IpList(
    config.app.trustedProxies.length > 0 ? config.app.trustedProxies : DEFAULT_TRUSTED_PROXIES,
  );
}
