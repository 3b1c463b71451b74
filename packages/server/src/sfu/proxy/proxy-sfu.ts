import { EventEmitter } from 'node:events';
import type { ProxyServerMessage } from '@spreed-ts/protocol';
import type { ServerConfig } from '../../config/server-config.js';
import type { Logger } from '../../logger.js';
import type { MetricsRegistry } from '../../metrics/registry.js';
import { SfuClosedError, SfuTimeoutError, SfuUnreachablePublisherError } from '../errors.js';
import { Notifier } from '../janus/notifier.js';
import type { StreamType } from '../mcu-data.js';
import type { CandidateFilter } from '../sdp.js';
import {
  type ClosedRemotePublisher,
  countStreams,
  type PublisherLocation,
  type PublisherSettings,
  publisherBitrate,
  type RemotePublisher,
  type RemotePublishers,
  type Sfu,
  type SfuCounts,
  type SfuEvents,
  type SfuInitiator,
  type SfuLimits,
  type SfuPublisher,
  type SfuSubscriber,
  streamKey,
} from '../sfu.js';
import { CountryLookup, orderForCountry } from './geo.js';
import { ProxyPublisher, ProxyRequestError, ProxySubscriber } from './proxy-clients.js';
import { ProxyConnection, type ProxyConnectionOptions, proxyApiUrl } from './proxy-connection.js';
import { registerProxyMetrics } from './proxy-metrics.js';
import { type ProxyTarget, type ProxyUrlSource, targetKey } from './proxy-sources.js';
import type { ProxyTokenSigner } from './proxy-token.js';

/** Options of {@link ProxySfu}. */
export interface ProxySfuOptions {
  /** Where the proxies come from (static URLs, DNS discovery, etcd). */
  source: ProxyUrlSource;
  signer: ProxyTokenSigner;
  /** `[mcu] timeout`: how long a subscriber waits for its publisher to appear. */
  timeoutMs: number;
  /** `[mcu] proxytimeout`: how long one request to a proxy may take. */
  proxyTimeoutMs: number;
  /** `[mcu] maxstreambitrate` / `maxscreenbitrate`. */
  limits: SfuLimits;
  /** `[mcu] skipverify`. */
  skipVerify: boolean;
  /** `[mcu] allowedcandidates` / `blockedcandidates` (applied to the clients' SDPs). */
  filter: () => CandidateFilter;
  /** `[geoip-overrides]` / `[continent-overrides]`. */
  geoip: ServerConfig['geoip'];
  logger: Logger;
  /** Test knob: reconnect backoff of the connections. */
  backoff?: ProxyConnectionOptions['backoff'];
}

/** What `/api/v1/serverinfo` shows of one proxy (upstream's BackendServerInfoSfuProxy). */
export interface ProxyServerInfo {
  url: string;
  ip?: string;
  connected: boolean;
  temporary: boolean;
  shutdown?: boolean;
  uptime?: string;
  version?: string;
  features?: string[];
  country?: string;
  load?: number;
  bandwidth?: Record<string, number>;
}

type ProxyClientObject = ProxyPublisher | ProxySubscriber;

/** Where a new subscriber's publisher is: here, or on another server's proxy. */
type PublisherSource =
  | { local: true; publisher: ProxyPublisher }
  | { local: false; remote: RemotePublisher; clientId: string };

/** Usage of a direction in percent, as upstream's AllowIncoming/AllowOutgoing judge it. */
function allows(usage: number | undefined): boolean {
  return usage === undefined || usage < 100;
}

/**
 * The SFU behind signaling proxies (upstream's proxy SFU): one {@link ProxyConnection} per proxy
 * the source names. A publisher goes to the least-loaded connected proxy that is not shutting
 * down (proxies in the client's country, then on its continent, first); its subscribers go to the
 * same proxy. When a proxy's session is gone (it died, refused the resume, lost its Janus) its
 * publishers and subscribers close, and the clients' next offers land on the remaining proxies.
 * `connected` while at least one proxy is connected and has its Janus.
 */
export class ProxySfu extends EventEmitter<SfuEvents> implements Sfu {
  readonly type = 'proxy';
  timeoutMs: number;
  #limits: SfuLimits;
  readonly #o: ProxySfuOptions;
  #proxyTimeoutMs: number;
  #countries: CountryLookup;
  #continentOverrides: Record<string, string[]>;
  readonly #connections = new Map<string, ProxyConnection>();
  readonly #clients = new Map<ProxyConnection, Map<string, ProxyClientObject>>();
  /**
   * Subscribers being created, by connection: a temporary or closing connection is not stopped
   * under them (its tracked clients alone do not show them).
   */
  readonly #inFlight = new Map<ProxyConnection, number>();
  readonly #publishers = new Map<string, ProxyPublisher>();
  readonly #subscribers = new Set<ProxySubscriber>();
  /** Subscribers to publishers of other servers, with the id of the publisher's server. */
  readonly #remoteSubscribers = new Map<ProxySubscriber, string>();
  readonly #created = new Notifier();
  #remote: RemotePublishers | undefined;
  #connected = false;
  #closed = false;
  /** Publishing requests no proxy could take, by stream type (metrics). */
  readonly noBackendAvailable = new Map<string, number>();

  constructor(options: ProxySfuOptions) {
    super();
    this.#o = options;
    this.timeoutMs = options.timeoutMs;
    this.#limits = options.limits;
    this.#proxyTimeoutMs = options.proxyTimeoutMs;
    this.#countries = new CountryLookup(options.geoip.overrides);
    this.#continentOverrides = options.geoip.continentOverrides;
    options.source.on('added', (target) => this.#add(target));
    options.source.on('removed', (target) => this.#remove(target));
  }

  get connected(): boolean {
    return this.#connected;
  }

  get limits(): SfuLimits {
    return this.#limits;
  }

  /** The connections (tests, metrics, stats). */
  get connections(): readonly ProxyConnection[] {
    return [...this.#connections.values()];
  }

  /** Live publishers and subscribers (tests). */
  get counts(): { publishers: number; subscribers: number } {
    return { publishers: this.#publishers.size, subscribers: this.#subscribers.size };
  }

  start(): void {
    this.#o.source.start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#o.source.stop();
    await Promise.all([
      ...[...this.#publishers.values()].map((p) => p.close()),
      ...[...this.#subscribers].map((s) => s.close()),
    ]);
    await Promise.all([...this.#connections.values()].map((c) => c.stop()));
    this.#connections.clear();
    this.#update();
  }

  reload(config: ServerConfig): void {
    const mcu = config.mcu;
    this.timeoutMs = mcu.timeoutMs;
    this.#proxyTimeoutMs = mcu.proxy.timeoutMs;
    this.#limits = {
      maxStreamBitrate: mcu.maxStreamBitrate,
      maxScreenBitrate: mcu.maxScreenBitrate,
    };
    this.#countries = new CountryLookup(config.geoip.overrides);
    this.#continentOverrides = config.geoip.continentOverrides;
    this.#o.source.reload(mcu.url.split(' ').filter((u) => u !== ''));
  }

  #add(target: ProxyTarget): void {
    const key = targetKey(target);
    const existing = this.#connections.get(key);
    if (existing !== undefined) {
      // Configured again before it was closed, or opened for subscribers of other servers'
      // publishers before it was configured here: keep it as a configured one.
      existing.closing = false;
      existing.temporary = false;
      this.#update();
      return;
    }
    if (this.#closed) {
      return;
    }
    this.#open(target, () => this.#o.signer.token(), false);
  }

  /** Creates, registers and starts the connection to one proxy. */
  #open(target: ProxyTarget, token: () => string, temporary: boolean): ProxyConnection {
    const connection = new ProxyConnection({
      url: target.url,
      ...(target.ip === undefined ? {} : { ip: target.ip }),
      token,
      timeoutMs: () => this.#proxyTimeoutMs,
      skipVerify: this.#o.skipVerify,
      logger: this.#o.logger,
      ...(this.#o.backoff === undefined ? {} : { backoff: this.#o.backoff }),
    });
    connection.temporary = temporary;
    this.#o.logger.info(
      temporary ? 'adding temporary proxy connection' : 'adding proxy connection',
      {
        proxy: connection.name,
      },
    );
    this.#connections.set(targetKey(target), connection);
    this.#clients.set(connection, new Map());
    connection.on('ready', () => this.#update());
    connection.on('down', () => this.#update());
    connection.on('changed', () => this.#update());
    connection.on('reset', (why) => this.#reset(connection, why));
    connection.on('payload', (payload) => {
      const client = this.#clients.get(connection)?.get(payload.clientId);
      if (client === undefined) {
        this.#o.logger.debug('payload from proxy for an unknown client', {
          proxy: connection.name,
          client: payload.clientId,
        });
        return;
      }
      client.payload(payload);
    });
    connection.on('clientEvent', (event) => {
      const client =
        event.clientId === undefined
          ? undefined
          : this.#clients.get(connection)?.get(event.clientId);
      if (client === undefined) {
        this.#o.logger.debug('event from proxy for an unknown client', {
          proxy: connection.name,
          type: event.type,
          client: event.clientId,
        });
        return;
      }
      client.event(event);
    });
    connection.start();
    return connection;
  }

  #remove(target: ProxyTarget): void {
    const connection = this.#connections.get(targetKey(target));
    if (connection === undefined) {
      return;
    }
    this.#o.logger.info('removing proxy connection', { proxy: connection.name });
    connection.closing = true;
    this.#closeIfEmpty(connection);
  }

  /**
   * A connection no longer configured, or a temporary one, goes once its last publisher and
   * subscriber are gone.
   */
  #closeIfEmpty(connection: ProxyConnection): void {
    if (
      !(connection.closing || connection.temporary) ||
      (this.#clients.get(connection)?.size ?? 0) > 0 ||
      this.#inFlight.has(connection)
    ) {
      return;
    }
    const key = targetKey({
      url: connection.url,
      ...(connection.ip === undefined ? {} : { ip: connection.ip }),
    });
    if (this.#connections.get(key) === connection) {
      this.#connections.delete(key);
    }
    this.#clients.delete(connection);
    this.#o.logger.info(
      connection.temporary
        ? 'closing unused temporary proxy connection'
        : 'closing unused proxy connection',
      { proxy: connection.name },
    );
    void connection.stop().then(() => this.#update());
    this.#update();
  }

  /**
   * Emits `connected` / `disconnected` when the first usable proxy comes or the last one goes (a
   * proxy without its Janus does not count: clients are told as when Janus itself is gone).
   */
  #update(): void {
    const now =
      !this.#closed && [...this.#connections.values()].some((c) => c.usable && !c.temporary);
    if (now === this.#connected) {
      return;
    }
    this.#connected = now;
    this.emit(now ? 'connected' : 'disconnected');
  }

  /** The proxy session of `connection` is gone: so are its publishers and subscribers. */
  #reset(connection: ProxyConnection, why: string): void {
    const clients = this.#clients.get(connection);
    if (clients === undefined || clients.size === 0) {
      return;
    }
    this.#o.logger.warn('closing the publishers and subscribers of a proxy', {
      proxy: connection.name,
      count: clients.size,
      why,
    });
    for (const client of [...clients.values()]) {
      client.gone();
    }
  }

  /** A subscriber is being created on `connection` (see {@link #inFlight}). */
  #hold(connection: ProxyConnection): void {
    this.#inFlight.set(connection, (this.#inFlight.get(connection) ?? 0) + 1);
  }

  /** The creation {@link #hold} announced is over; closes the connection if it is unused now. */
  #release(connection: ProxyConnection): void {
    const left = (this.#inFlight.get(connection) ?? 0) - 1;
    if (left > 0) {
      this.#inFlight.set(connection, left);
      return;
    }
    this.#inFlight.delete(connection);
    this.#closeIfEmpty(connection);
  }

  #track(connection: ProxyConnection, client: ProxyClientObject): void {
    const clients = this.#clients.get(connection);
    if (clients === undefined) {
      return;
    }
    clients.set(client.id, client);
    client.once('closed', () => {
      if (clients.get(client.id) === client) {
        clients.delete(client.id);
      }
      this.#closeIfEmpty(connection);
    });
  }

  /** Connected proxies that take new publishers, in upstream's order for a client. */
  #candidates(country: string): ProxyConnection[] {
    const usable = [...this.#connections.values()].filter(
      (c) => c.usable && !c.shutdownScheduled && !c.closing && !c.temporary,
    );
    const publishersOn = (c: ProxyConnection) => {
      let n = 0;
      for (const client of this.#clients.get(c)?.values() ?? []) {
        if (client instanceof ProxyPublisher) {
          n++;
        }
      }
      return n;
    };
    // By the load the proxy reports; our own publishers there break ties (the proxies report
    // their load once a second, so a burst would otherwise land on one proxy).
    usable.sort((a, b) => a.load - b.load || publishersOn(a) - publishersOn(b));
    return orderForCountry(usable, country, this.#continentOverrides);
  }

  async newPublisher(
    publisherId: string,
    sid: string,
    streamType: StreamType,
    settings: PublisherSettings,
    initiator?: SfuInitiator,
  ): Promise<SfuPublisher> {
    if (streamType !== 'video' && streamType !== 'screen') {
      throw new Error(`unsupported stream type ${streamType}`);
    }
    const bitrate = publisherBitrate(this.#limits, streamType, settings.bitrate);
    const country = this.#countries.country(initiator?.address);
    const ordered = this.#candidates(country);
    // Proxies with incoming bandwidth left first; when none has, the least used ones.
    const first = ordered.filter((c) => allows(c.bandwidth?.incoming));
    const second = ordered
      .filter((c) => !allows(c.bandwidth?.incoming))
      .sort((a, b) => (a.bandwidth?.incoming ?? 0) - (b.bandwidth?.incoming ?? 0));
    const failures: string[] = [];
    for (const connection of [...first, ...second]) {
      try {
        return await this.#createPublisher(connection, publisherId, sid, streamType, {
          ...settings,
          bitrate,
        });
      } catch (err) {
        failures.push(`${connection.name}: ${(err as Error).message}`);
        this.#o.logger.warn('could not create publisher on proxy', {
          proxy: connection.name,
          session: publisherId,
          streamType,
          error: String(err),
        });
      }
    }
    this.noBackendAvailable.set(streamType, (this.noBackendAvailable.get(streamType) ?? 0) + 1);
    throw new SfuClosedError(
      failures.length === 0
        ? 'no MCU connection available'
        : `no MCU connection available (${failures.join('; ')})`,
    );
  }

  async #createPublisher(
    connection: ProxyConnection,
    publisherId: string,
    sid: string,
    streamType: 'video' | 'screen',
    settings: PublisherSettings,
  ): Promise<ProxyPublisher> {
    const answer = await connection.request(
      {
        type: 'command',
        command: {
          type: 'create-publisher',
          sid,
          streamType,
          // Newer proxies read the settings, 0.4.1 the two top-level fields.
          publisherSettings: {
            bitrate: settings.bitrate,
            mediatypes: settings.mediaTypes,
            ...(settings.audiocodec === '' ? {} : { audiocodec: settings.audiocodec }),
            ...(settings.videocodec === '' ? {} : { videocodec: settings.videocodec }),
            ...(settings.vp9profile === '' ? {} : { vp9_profile: settings.vp9profile }),
            ...(settings.h264profile === '' ? {} : { h264_profile: settings.h264profile }),
          },
          bitrate: settings.bitrate,
          mediatypes: settings.mediaTypes,
        },
      },
      (late) => this.#deleteLate(connection, 'delete-publisher', late),
    );
    const clientId = createdId(connection, answer);
    const publisher = new ProxyPublisher({
      clientId,
      sid,
      streamType,
      publisherId,
      connection,
      logger: this.#o.logger,
      filter: this.#o.filter,
      mediaTypes: settings.mediaTypes,
      bitrate: answer.type === 'command' ? (answer.command.bitrate ?? 0) : 0,
    });
    const key = streamKey(publisherId, streamType);
    const previous = this.#publishers.get(key);
    this.#publishers.set(key, publisher);
    this.#track(connection, publisher);
    publisher.once('closed', () => {
      if (this.#publishers.get(key) === publisher) {
        this.#publishers.delete(key);
      }
      for (const subscriber of [...this.#subscribers]) {
        if (
          subscriber.connection === publisher.connection &&
          subscriber.publisherClientId === publisher.id
        ) {
          subscriber.gone();
        }
      }
      this.emit('publisherClosed', publisherId, streamType, 0, publisher.id);
    });
    if (previous !== undefined && previous !== publisher) {
      void previous.close();
    }
    this.#o.logger.info('publisher created on proxy', {
      proxy: connection.name,
      client: clientId,
      session: publisherId,
      streamType,
      bitrate: publisher.bitrate || settings.bitrate,
    });
    this.#created.notify(key);
    return publisher;
  }

  /** Deletes what a request that timed out created after all (upstream does the same). */
  #deleteLate(
    connection: ProxyConnection,
    type: 'delete-publisher' | 'delete-subscriber',
    late: ProxyServerMessage,
  ): void {
    if (late.type !== 'command' || late.command.id === undefined) {
      return;
    }
    const clientId = late.command.id;
    this.#o.logger.info('deleting what a timed-out request created on the proxy', {
      proxy: connection.name,
      client: clientId,
    });
    connection.request({ type: 'command', command: { type, clientId } }).catch((err: unknown) =>
      this.#o.logger.warn('could not delete on proxy', {
        proxy: connection.name,
        client: clientId,
        error: String(err),
      }),
    );
  }

  /**
   * The publisher of the stream: the local one, waiting up to `waitMs` for one about to be created,
   * or the one another server of the cluster has on a proxy (its lookup answers as soon as it has).
   */
  async #source(
    publisherId: string,
    streamType: 'video' | 'screen',
    waitMs: number,
  ): Promise<PublisherSource> {
    const key = streamKey(publisherId, streamType);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const existing = this.#publishers.get(key);
      if (existing !== undefined && !existing.closed) {
        return { local: true, publisher: existing };
      }
      const waiter = this.#created.register(key);
      try {
        const remote =
          this.#remote === undefined ? undefined : await this.#remote.find(publisherId, streamType);
        if (remote !== undefined) {
          const clientId = remote.location.proxyclient;
          if (clientId === undefined) {
            // A server of the cluster with `[mcu] type = janus`: its Janus is not ours.
            throw new SfuUnreachablePublisherError(
              `publisher is on server ${remote.server} (SFU ${remote.location.sfu}), not on a proxy`,
              {
                reason: 'publisher on another server',
                hint: 'the servers of a cluster must use the same kind of SFU',
              },
            );
          }
          return { local: false, remote, clientId };
        }
        const left = deadline - Date.now();
        const wait = this.#remote === undefined ? left : Math.min(left, 500);
        if (left <= 0 || (!(await waiter.wait(wait)) && wait === left)) {
          throw new SfuTimeoutError(`no publisher for ${key}`);
        }
      } finally {
        waiter.release();
      }
    }
  }

  /**
   * The connection to the proxy of another server's publisher: this server's own one when it has
   * a connection to that proxy, else a temporary one opened with the hello token the publisher's
   * server sent along (or our own when it sent none), which closes with its last subscriber.
   * Waits (bounded by `waitMs`) until the connection is ready. The connection is returned held
   * ({@link #hold}): the caller releases it.
   */
  async #connectionFor(remote: RemotePublisher, waitMs: number): Promise<ProxyConnection> {
    const { location } = remote;
    const target: ProxyTarget = {
      url: location.sfu,
      ...(location.ip === undefined ? {} : { ip: location.ip }),
    };
    let connection = this.#connections.get(targetKey(target));
    if (connection === undefined) {
      if (this.#closed) {
        throw new SfuClosedError('proxy SFU closed');
      }
      try {
        proxyApiUrl(location.sfu);
      } catch {
        throw new SfuClosedError(`invalid proxy url ${JSON.stringify(location.sfu)}`);
      }
      const token = location.token;
      connection = this.#open(
        target,
        token === undefined ? () => this.#o.signer.token() : () => token,
        true,
      );
    }
    this.#hold(connection);
    if (!(await whenReady(connection, waitMs))) {
      this.#release(connection);
      throw new SfuClosedError(`proxy ${connection.name} of server ${remote.server} not reachable`);
    }
    return connection;
  }

  async newSubscriber(
    publisherId: string,
    streamType: StreamType,
    waitMs: number,
  ): Promise<SfuSubscriber> {
    if (streamType !== 'video' && streamType !== 'screen') {
      throw new Error(`unsupported stream type ${streamType}`);
    }
    const started = Date.now();
    const source = await this.#source(publisherId, streamType, waitMs);
    let connection: ProxyConnection;
    let publisherClientId: string;
    if (source.local) {
      connection = source.publisher.connection;
      publisherClientId = source.publisher.id;
      this.#hold(connection);
    } else {
      // At least one proxy timeout for the connection, even when the lookup took long.
      const left = Math.max(waitMs - (Date.now() - started), this.#proxyTimeoutMs);
      connection = await this.#connectionFor(source.remote, left);
      publisherClientId = source.clientId;
    }
    try {
      return await this.#createSubscriber(
        connection,
        source,
        publisherId,
        publisherClientId,
        streamType,
      );
    } finally {
      this.#release(connection);
    }
  }

  /** Creates the subscriber on `connection` (held by the caller) and tracks it. */
  async #createSubscriber(
    connection: ProxyConnection,
    source: PublisherSource,
    publisherId: string,
    publisherClientId: string,
    streamType: StreamType,
  ): Promise<SfuSubscriber> {
    const answer = await connection.request(
      {
        type: 'command',
        command: { type: 'create-subscriber', streamType, publisherId: publisherClientId },
      },
      (late) => this.#deleteLate(connection, 'delete-subscriber', late),
    );
    const clientId = createdId(connection, answer);
    if (source.local && source.publisher.closed) {
      await connection
        .request({ type: 'command', command: { type: 'delete-subscriber', clientId } })
        .catch(() => undefined);
      throw new SfuClosedError(`publisher ${publisherId} closed meanwhile`);
    }
    const subscriber = new ProxySubscriber({
      clientId,
      sid: answer.type === 'command' ? (answer.command.sid ?? '') : '',
      streamType,
      publisherId,
      connection,
      logger: this.#o.logger,
      filter: this.#o.filter,
    });
    subscriber.publisherClientId = publisherClientId;
    this.#subscribers.add(subscriber);
    if (!source.local) {
      this.#remoteSubscribers.set(subscriber, source.remote.server);
    }
    this.#track(connection, subscriber);
    subscriber.once('closed', () => {
      this.#subscribers.delete(subscriber);
      this.#remoteSubscribers.delete(subscriber);
    });
    if (!this.#clients.has(connection)) {
      // The connection went away while the subscriber was created (its proxy reset).
      subscriber.gone();
      throw new SfuClosedError(`proxy ${connection.name} went away`);
    }
    const log = source.local ? this.#o.logger.debug : this.#o.logger.info;
    log.call(this.#o.logger, 'subscriber created on proxy', {
      proxy: connection.name,
      client: clientId,
      publisher: publisherId,
      streamType,
      ...(source.local ? {} : { server: source.remote.server, temporary: connection.temporary }),
    });
    return subscriber;
  }

  localPublisher(publisherId: string, streamType: StreamType): PublisherLocation | undefined {
    if (streamType !== 'video' && streamType !== 'screen') {
      return undefined;
    }
    const publisher = this.#publishers.get(streamKey(publisherId, streamType));
    if (publisher === undefined || publisher.closed) {
      return undefined;
    }
    const connection = publisher.connection;
    const location: PublisherLocation = {
      sfu: connection.url,
      room: 0,
      feed: 0,
      proxyclient: publisher.id,
    };
    if (connection.ip !== undefined) {
      location.ip = connection.ip;
    }
    try {
      location.token = this.#o.signer.token();
    } catch (err) {
      // The other server may still know the proxy or sign its own token.
      this.#o.logger.warn('could not create a proxy token for another server', {
        error: String(err),
      });
    }
    return location;
  }

  setRemotePublishers(remote: RemotePublishers | undefined): void {
    this.#remote = remote;
  }

  remotePublisherClosed(server: string, publisher?: ClosedRemotePublisher): void {
    for (const [subscriber, from] of [...this.#remoteSubscribers]) {
      if (
        from === server &&
        (publisher === undefined ||
          (subscriber.publisherId === publisher.publisherId &&
            subscriber.streamType === publisher.streamType &&
            // A publisher that was replaced meanwhile keeps the subscribers to its successor.
            (publisher.proxyclient === undefined ||
              subscriber.publisherClientId === publisher.proxyclient)))
      ) {
        this.#o.logger.info('closing subscriber of a remote publisher that is gone', {
          proxy: subscriber.connection.name,
          client: subscriber.id,
          publisher: subscriber.publisherId,
          server,
          why: publisher === undefined ? 'server gone' : 'publisher closed',
        });
        void subscriber.close();
      }
    }
  }

  streamCounts(): SfuCounts {
    return countStreams(this.#publishers.values(), this.#subscribers, (s) =>
      this.#remoteSubscribers.has(s),
    );
  }

  /** `sfu` of `/api/v1/serverinfo`: mode `proxy` and every proxy, sorted by URL and address. */
  serverInfo(): { mode: 'proxy'; proxies?: ProxyServerInfo[] } {
    const proxies = [...this.#connections.values()].map((c): ProxyServerInfo => {
      const info: ProxyServerInfo = {
        url: c.url,
        ...(c.ip === undefined ? {} : { ip: c.ip }),
        connected: c.ready,
        temporary: c.temporary,
      };
      if (c.ready) {
        info.shutdown = c.shutdownScheduled || c.closing;
        if (c.connectedSince !== 0) {
          info.uptime = new Date(c.connectedSince).toISOString();
        }
        if (c.version !== '') {
          info.version = c.version;
        }
        if (c.features.length > 0) {
          info.features = [...c.features];
        }
        if (c.country !== '') {
          info.country = c.country;
        }
        info.load = c.load;
        if (c.bandwidth !== undefined) {
          info.bandwidth = { ...c.bandwidth };
        }
      }
      return info;
    });
    proxies.sort((a, b) => a.url.localeCompare(b.url) || (a.ip ?? '').localeCompare(b.ip ?? ''));
    return proxies.length === 0 ? { mode: 'proxy' } : { mode: 'proxy', proxies };
  }

  registerMetrics(registry: MetricsRegistry): void {
    registerProxyMetrics(registry, this);
  }

  /** Upstream's proxy stats: publishers, clients (publishers + subscribers) and per proxy. */
  stats(): Record<string, unknown> {
    let publishers = 0;
    let clients = 0;
    const details = [...this.#connections.values()].map((c) => {
      const objects = [...(this.#clients.get(c)?.values() ?? [])];
      const pubs = objects.filter((o) => o instanceof ProxyPublisher).length;
      publishers += pubs;
      clients += objects.length;
      const entry: Record<string, unknown> = { url: c.url };
      if (c.ip !== undefined) {
        entry.ip = c.ip;
      }
      entry.connected = c.ready;
      entry.publishers = pubs;
      entry.clients = objects.length;
      if (c.ready) {
        entry.load = c.load;
        entry.shutdown = c.shutdownScheduled || c.closing;
        entry.temporary = c.temporary;
        if (c.connectedSince !== 0) {
          entry.uptime = new Date(c.connectedSince).toISOString();
        }
      }
      return entry;
    });
    return { proxy: { publishers, clients, details } };
  }
}

/**
 * Resolves true once `connection` is ready, false when it is not within `timeoutMs` or (for a
 * temporary connection, which has nothing else to wait for) as soon as the proxy refuses its hello.
 */
function whenReady(connection: ProxyConnection, timeoutMs: number): Promise<boolean> {
  if (connection.ready) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      connection.off('refused', onRefused);
      resolve(ready);
    };
    const onReady = () => done(true);
    const onRefused = () => {
      if (connection.temporary) {
        done(false);
      }
    };
    const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
    connection.on('ready', onReady);
    connection.on('refused', onRefused);
  });
}

/** The client id in the answer to a create command, or the error the proxy answered. */
function createdId(connection: ProxyConnection, answer: ProxyServerMessage): string {
  if (answer.type === 'error') {
    throw new ProxyRequestError(connection.name, answer.error.code, answer.error.message);
  }
  if (answer.type !== 'command' || answer.command.id === undefined || answer.command.id === '') {
    throw new Error(`proxy ${connection.name} answered without a client id`);
  }
  return answer.command.id;
}
