import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerConfig } from '../config/server-config.js';
import type { ClientSession } from '../hub/client-session.js';
import type { Logger } from '../logger.js';
import { EXPOSITION_CONTENT_TYPE } from '../metrics/exposition.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { RoomMetrics } from '../metrics/room-metrics.js';
import { IpList } from '../transport/real-ip.js';
import { goIndentedJson, goJsonLine, jsonReply, plainError, plainText } from './http-replies.js';
import { type ServerInfoEtcd, type ServerInfoNats, serverInfo, statsBody } from './server-info.js';
import { randomTurnUsername, turnCredentials } from './turn-credentials.js';

/** The hub as the operations endpoints see it. */
export interface OpsHubView {
  readonly sessions: ReadonlyMap<string, ClientSession>;
  readonly features: { readonly client: readonly string[] };
}

/** Options of {@link OpsEndpoints}. */
export interface OpsEndpointsOptions {
  config: ServerConfig;
  version: string;
  hub: OpsHubView;
  registry: MetricsRegistry;
  rooms: RoomMetrics;
  logger: Logger;
  /** The client's address after the trusted-proxy rules. */
  clientIp: (req: IncomingMessage) => string;
  /** `Server` and `X-Spreed-Signaling-Features`. */
  commonHeaders: () => Record<string, string>;
}

/**
 * The operations endpoints of upstream's backend server: `/metrics`, `/api/v1/stats` and
 * `/api/v1/serverinfo` (only for `[stats] allowed_ips`, judged on the client address after the
 * trusted-proxy rules), and `/turn/credentials` (guarded by the TURN API key).
 */
export class OpsEndpoints {
  readonly #options: OpsEndpointsOptions;
  #allowed: IpList;
  #turn: ServerConfig['turn'];
  /** SFU details for serverinfo (set when an SFU is attached). */
  sfuInfo: (() => unknown) | undefined;
  /** SFU figures for `/api/v1/stats` (`mcu`). */
  mcuStats: (() => unknown) | undefined;
  /** Bus details for serverinfo; unset = the in-process bus. */
  natsInfo: (() => ServerInfoNats | undefined) | undefined;
  /** etcd client details for serverinfo; unset = no etcd client. */
  etcdInfo: (() => ServerInfoEtcd) | undefined;

  constructor(options: OpsEndpointsOptions) {
    this.#options = options;
    this.#allowed = new IpList(options.config.stats.allowedIps);
    this.#turn = options.config.turn;
    this.#logAllowed(options.config.stats.allowedIps);
  }

  /** Takes `[stats] allowed_ips` from a reloaded configuration (SIGHUP); TURN stays as started. */
  reload(config: ServerConfig): void {
    this.#allowed = new IpList(config.stats.allowedIps);
    this.#logAllowed(config.stats.allowedIps);
  }

  #logAllowed(ips: readonly string[]): void {
    this.#options.logger.info('stats endpoints allowed from', { ips: ips.join(', ') });
  }

  /** Whether `req` may read stats and metrics. */
  allows(req: IncomingMessage): boolean {
    return this.#allowed.contains(this.#options.clientIp(req));
  }

  /** The route handler for {@link HttpServer}: true when the path is one of ours. */
  readonly route = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/metrics':
        this.#guarded(req, res, () => this.#metrics(res));
        return true;
      case '/api/v1/stats':
        this.#guarded(req, res, () => this.#stats(res));
        return true;
      case '/api/v1/serverinfo':
        this.#guarded(req, res, () => this.#serverInfo(res));
        return true;
      case '/turn/credentials':
        if (this.#methodAllowed(req, res)) {
          this.#turnCredentials(req, res);
        }
        return true;
      default:
        return false;
    }
  };

  #methodAllowed(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method === 'GET') {
      return true;
    }
    res.writeHead(405).end();
    return false;
  }

  #guarded(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
    if (!this.#methodAllowed(req, res)) {
      return;
    }
    if (!this.allows(req)) {
      this.#options.logger.debug('stats access denied', {
        path: req.url,
        remote: this.#options.clientIp(req),
      });
      plainError(res, 403, 'Authentication check failed', this.#options.commonHeaders());
      return;
    }
    handle();
  }

  #metrics(res: ServerResponse): void {
    const text = this.#options.registry.render();
    res.writeHead(200, {
      ...this.#options.commonHeaders(),
      'Content-Type': EXPOSITION_CONTENT_TYPE,
    });
    res.end(text);
  }

  #stats(res: ServerResponse): void {
    const { hub, rooms } = this.#options;
    const body = statsBody(
      rooms.roomCount,
      hub.sessions.size + rooms.virtualSessionCount,
      this.mcuStats?.(),
    );
    jsonReply(res, goIndentedJson(body), this.#options.commonHeaders(), true);
  }

  #serverInfo(res: ServerResponse): void {
    const { hub } = this.#options;
    const info = serverInfo({
      version: this.#options.version,
      features: hub.features.client,
      sessions: hub.sessions.values(),
      sfu: this.sfuInfo,
      nats: this.natsInfo,
      etcd: this.etcdInfo,
    });
    jsonReply(res, goIndentedJson(info), this.#options.commonHeaders(), true);
  }

  /**
   * Upstream's `getTurnCredentials`: `service=turn` and the API key (`key`, or `api` as Janus sends
   * it) are required (400), the key must match (403), TURN servers must be configured (404).
   */
  #turnCredentials(req: IncomingMessage, res: ServerResponse): void {
    const headers = this.#options.commonHeaders();
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const service = query.get('service') ?? '';
    const key = query.get('key') || query.get('api') || '';
    if (service !== 'turn' || key === '') {
      plainText(res, 400, 'Invalid service and/or key sent.\n', headers);
      return;
    }
    if (key !== this.#turn.apiKey) {
      plainText(res, 403, 'Not allowed to access this service.\n', headers);
      return;
    }
    if (this.#turn.servers.length === 0) {
      plainText(res, 404, 'No TURN servers available.\n', headers);
      return;
    }
    const username = query.get('username') || randomTurnUsername();
    const credentials = turnCredentials(username, this.#turn.secret, this.#turn.servers);
    jsonReply(res, goJsonLine(credentials), headers, false);
  }
}
