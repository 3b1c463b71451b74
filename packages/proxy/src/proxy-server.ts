/**
 * The signaling proxy's API (upstream's ProxyServer): sessions of signaling servers, authenticated
 * by a JWT and resumable; their publishers and subscribers on the SFU, addressed by the proxy's
 * client ids (UUIDs); payloads relayed to the SFU with upstream's answer shapes; `update-load`
 * events on a one-second tick when the load changed; scheduled shutdown.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  decodeProxyClientFrame,
  ProtocolError,
  type ProxyClientMessage,
  type ProxyCommandRequest,
  ProxyErrors,
  type ProxyEvent,
  type ProxyPayloadRequest,
  type ProxyPublisherStream,
  type ProxyServerMessage,
  UnsupportedProxyMessageError,
  type WireError,
} from '@spreed-ts/protocol';
import {
  type CandidateFilter,
  JanusPublisher,
  type Logger,
  RemoteStreamsUnsupportedError,
  type RemoteTarget,
  type Sfu,
  type SfuClient,
  type SfuPublisher,
  SfuTimeoutError,
  type StreamType,
  VideoroomRequestError,
} from '@spreed-ts/server';
import { computeLoad, type Load, type LoadClient, loadChanged, loadEvent } from './load.js';
import { payloadToMcuData } from './payloads.js';
import type { ProxyConnection } from './proxy-connection.js';
import { messageTypeLabel, type ProxyMetrics } from './proxy-metrics.js';
import { ProxySession, type SessionClient } from './proxy-session.js';
import { RemoteStreamError, type RemoteStreams, validRemoteUrl } from './remote-streams.js';
import {
  errorMessage,
  frameId,
  internalError,
  isMediaStream,
  withTimeout,
  withTimeoutClosing,
} from './replies.js';
import { isRejection, verifyProxyToken } from './token-auth.js';
import type { TokenKeys } from './token-keys.js';

/** How often the load is computed (and sent when it changed). */
export const UPDATE_LOAD_INTERVAL_MS = 1000;
/** How often expired sessions are looked for. */
export const EXPIRE_SESSIONS_INTERVAL_MS = 10_000;

/** What {@link ProxyServer} is configured with. */
export interface ProxyServerOptions {
  sfu: Sfu;
  /** `[mcu] url` (stats). */
  sfuUrl: string;
  tokens: TokenKeys;
  metrics: ProxyMetrics;
  logger: Logger;
  /** Our version, reported in the hello answer. */
  version: string;
  /** `[app] country` ('' = not sent). */
  country: string;
  /** `[mcu] timeout`: how long an SFU request may take. */
  timeoutMs: number;
  /** `[bandwidth]` limits in bits per second (0 = unlimited); changed on reload. */
  bandwidth: { incoming: number; outgoing: number };
  /** `[mcu] allowedcandidates` / `blockedcandidates`. */
  filter: CandidateFilter;
  /** Subscribers to other proxies' publishers; undefined: `[app] token_id` is not configured. */
  remote?: RemoteStreams;
}

/** The feature of proxies that can subscribe to publishers of other proxies. */
export const REMOTE_STREAMS_FEATURE = 'remote-streams';

/** Features the proxy announces: `remote-streams` when it can talk to other proxies. */
export function proxyFeatures(remoteStreams: boolean): string[] {
  return remoteStreams ? [REMOTE_STREAMS_FEATURE] : [];
}

/** Janus's videoroom error "ID exists" (a forwarding with that remote id is there already). */
const VIDEOROOM_ERROR_ID_EXISTS = 436;
/** Longest `hostname` of `publish-remote` / `unpublish-remote`. */
const MAX_HOSTNAME_LENGTH = 255;

type Connection = ProxyConnection<ProxySession>;

/** A publisher or subscriber as the proxy tracks it, with its owning session. */
type Tracked = SessionClient & { session: ProxySession };

export class ProxyServer {
  readonly #o: ProxyServerOptions;
  readonly #sessions = new Map<string, ProxySession>();
  readonly #clients = new Map<string, Tracked>();
  #load: Load = { load: 0, incoming: 0, outgoing: 0 };
  #shutdownScheduled = false;
  #onIdle: (() => void) | undefined;
  #stopped = false;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Subscribers fed by another proxy: what to release when they go, by client id. */
  readonly #remoteReleases = new Map<string, () => void>();
  /** Forwardings to other Janus servers asked for by each session (undone when it goes). */
  readonly #forwardings = new Map<
    ProxySession,
    Map<string, { publisher: JanusPublisher; target: RemoteTarget }>
  >();

  constructor(options: ProxyServerOptions) {
    this.#o = options;
    const { sfu, logger } = options;
    sfu.on('connected', () => {
      logger.info('connection to the SFU established');
      this.#broadcast({ type: 'event', event: { type: 'backend-connected' } });
    });
    sfu.on('disconnected', () => {
      if (this.#stopped) {
        return;
      }
      logger.warn('connection to the SFU lost');
      this.#broadcast({ type: 'event', event: { type: 'backend-disconnected' } });
    });
    this.#timers.push(
      setInterval(() => this.updateLoad(), UPDATE_LOAD_INTERVAL_MS),
      setInterval(() => this.#expireSessions(), EXPIRE_SESSIONS_INTERVAL_MS),
    );
  }

  /** Live sessions. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** Live publishers and subscribers. */
  get clientCount(): number {
    return this.#clients.size;
  }

  get shutdownScheduled(): boolean {
    return this.#shutdownScheduled;
  }

  /** `[bandwidth]` changed (SIGHUP): sessions hear the new utilisation at once. */
  setBandwidth(bandwidth: { incoming: number; outgoing: number }): void {
    const changed =
      bandwidth.incoming !== this.#o.bandwidth.incoming ||
      bandwidth.outgoing !== this.#o.bandwidth.outgoing;
    this.#o.bandwidth = bandwidth;
    if (changed && !this.#shutdownScheduled) {
      this.#broadcast({ type: 'event', event: this.#loadEvent() });
    }
  }

  /** `/stats`: sessions, load and the SFU's figures. */
  stats(): Record<string, unknown> {
    const counts = this.#o.sfu.streamCounts();
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    return {
      sessions: this.#sessions.size,
      load: this.#load.load,
      mcu: {
        url: this.#o.sfuUrl,
        connected: this.#o.sfu.connected,
        publishers: sum(counts.publishers),
        clients: sum(counts.publishers) + sum(counts.subscribers),
      },
    };
  }

  /**
   * Schedules the shutdown: sessions are told, new publishers refused, and `onIdle` runs once no
   * publisher or subscriber is left (at once if there is none).
   */
  scheduleShutdown(onIdle: () => void): void {
    if (this.#shutdownScheduled) {
      return;
    }
    this.#shutdownScheduled = true;
    this.#onIdle = onIdle;
    this.#broadcast({ type: 'event', event: { type: 'shutdown-scheduled' } });
    this.#checkIdle();
  }

  /** Stops the timers, closes every session's objects and the connections. */
  async close(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) {
      clearInterval(timer);
    }
    const closing: Promise<void>[] = [];
    for (const session of [...this.#sessions.values()]) {
      session.connection?.close(1001, 'shutting down');
      closing.push(...this.#deleteSession(session, undefined));
    }
    await Promise.allSettled(closing);
    await this.#o.remote?.close();
  }

  // ------------------------------------------------------------------------------------------
  // Connections

  /** A connection closed: its session stays until it expires or is resumed. */
  connectionClosed(connection: Connection): void {
    const session = connection.session;
    if (session !== undefined && session.connection === connection) {
      session.attach(undefined);
      session.markUsed();
    }
  }

  /** One text frame from a signaling server. */
  handleFrame(connection: Connection, text: string): void {
    if (this.#stopped) {
      // Closing: no new sessions (their expiry timers are gone) and no new streams.
      return;
    }
    let message: ProxyClientMessage;
    try {
      message = decodeProxyClientFrame(text);
    } catch (err) {
      if (err instanceof UnsupportedProxyMessageError) {
        const error =
          connection.session === undefined
            ? ProxyErrors.helloExpected
            : ProxyErrors.unsupportedMessage;
        connection.send(errorMessage(err.messageId, error));
        return;
      }
      if (err instanceof ProtocolError) {
        this.#o.logger.debug('invalid message from proxy client', {
          address: connection.address,
          error: err.message,
        });
        connection.send(errorMessage(frameId(text), ProxyErrors.invalidFormat));
        return;
      }
      throw err;
    }
    const session = connection.session;
    if (session === undefined) {
      if (message.type !== 'hello') {
        connection.send(errorMessage(message.id, ProxyErrors.helloExpected));
        return;
      }
      this.#hello(connection, message);
      return;
    }
    session.markUsed();
    switch (message.type) {
      case 'command':
        this.#command(session, message.id, message.command).catch((err: unknown) => {
          this.#o.logger.error('command failed', { error: String(err) });
          session.send(errorMessage(message.id, internalError(err)));
        });
        return;
      case 'payload':
        this.#payload(session, message.id, message.payload);
        return;
      case 'bye':
        this.#o.logger.info('closing session on bye', { session: session.id });
        void Promise.allSettled(this.#deleteSession(session, 'session_closed'));
        return;
      default:
        // A second hello on a connection that has a session.
        session.send(errorMessage(message.id, ProxyErrors.unsupportedMessage));
    }
  }

  #hello(connection: Connection, message: ProxyClientMessage & { type: 'hello' }): void {
    const { hello, id } = message;
    let session: ProxySession | undefined;
    if (hello.resumeid) {
      session = this.#sessions.get(hello.resumeid);
      if (session === undefined) {
        connection.send(errorMessage(id, ProxyErrors.noSuchSession));
        return;
      }
      this.#o.logger.info('resumed session', { session: session.id });
      this.#o.metrics.sessionsResumedTotal.inc();
    } else {
      const claims = verifyProxyToken(hello.token ?? '', this.#o.tokens, Date.now() / 1000);
      if (isRejection(claims)) {
        this.#o.metrics.tokenErrorsTotal.inc({ reason: claims.reason });
        const error = {
          auth_failed: ProxyErrors.tokenAuthFailed,
          token_expired: ProxyErrors.tokenExpired,
          token_not_valid_yet: ProxyErrors.tokenNotValidYet,
        }[claims.error];
        this.#o.logger.info('hello refused', {
          address: connection.address,
          reason: claims.reason,
        });
        connection.send(errorMessage(id, error));
        return;
      }
      session = new ProxySession(randomBytes(32).toString('base64url'));
      this.#sessions.set(session.id, session);
      this.#o.metrics.sessions.set(undefined, this.#sessions.size);
      this.#o.metrics.sessionsTotal.inc();
      this.#o.logger.info('created session', {
        session: session.id,
        issuer: claims.iss,
        address: connection.address,
      });
    }
    const previous = session.attach(connection);
    if (previous !== undefined && previous !== connection) {
      previous.send({ type: 'bye', bye: { reason: 'session_resumed' } });
    }
    const server: { version: string; features?: string[]; country?: string } = {
      version: this.#o.version,
    };
    const features = proxyFeatures(this.#o.remote !== undefined);
    if (features.length > 0) {
      server.features = features;
    }
    if (this.#o.country !== '') {
      server.country = this.#o.country;
    }
    const reply: ProxyServerMessage = {
      type: 'hello',
      hello: { version: '1.0', sessionid: session.id, server },
    };
    connection.send(id === undefined ? reply : { id, ...reply });
    session.flush();
    session.send({
      type: 'event',
      event: this.#shutdownScheduled ? { type: 'shutdown-scheduled' } : this.#loadEvent(),
    });
    if (!this.#o.sfu.connected) {
      // The server takes a hello as "Janus is there"; say at once that it is not (yet).
      session.send({ type: 'event', event: { type: 'backend-disconnected' } });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Commands

  async #command(
    session: ProxySession,
    id: string | undefined,
    command: ProxyCommandRequest,
  ): Promise<void> {
    const reply = (body: {
      id: string;
      sid?: string;
      bitrate?: number;
      streams?: ProxyPublisherStream[];
    }) =>
      session.send(
        id === undefined
          ? { type: 'command', command: body }
          : { id, type: 'command', command: body },
      );
    const fail = (error: WireError) => session.send(errorMessage(id, error));
    this.#o.metrics.commandMessagesTotal.inc({ type: messageTypeLabel('command', command.type) });
    switch (command.type) {
      case 'create-publisher': {
        if (this.#shutdownScheduled) {
          fail(ProxyErrors.shutdownScheduled);
          return;
        }
        const streamType = command.streamType;
        if (!isMediaStream(streamType)) {
          fail(ProxyErrors.invalidFormat);
          return;
        }
        const clientId = randomUUID();
        const settings = command.publisherSettings ?? {
          ...(command.bitrate !== undefined ? { bitrate: command.bitrate } : {}),
          ...(command.mediatypes !== undefined ? { mediatypes: command.mediatypes } : {}),
        };
        let publisher: SfuPublisher;
        try {
          publisher = await withTimeoutClosing(
            this.#o.sfu.newPublisher(clientId, command.sid ?? '', streamType, {
              bitrate: Math.max(0, Math.trunc(settings.bitrate ?? 0)),
              mediaTypes: settings.mediatypes ?? 0,
              audiocodec: settings.audiocodec ?? '',
              videocodec: settings.videocodec ?? '',
              vp9profile: settings.vp9_profile ?? '',
              h264profile: settings.h264_profile ?? '',
            }),
            this.#o.timeoutMs,
            'creating publisher',
          );
        } catch (err) {
          this.#o.logger.warn('could not create publisher', {
            session: session.id,
            streamType,
            error: String(err),
          });
          fail(
            err instanceof SfuTimeoutError
              ? ProxyErrors.timeoutCreatingPublisher
              : internalError(err),
          );
          return;
        }
        const bitrate = publisher instanceof JanusPublisher ? publisher.bitrate : 0;
        const entry = { kind: 'publisher' as const, id: clientId, client: publisher, bitrate };
        if (!this.#track(session, entry, streamType)) {
          return;
        }
        this.#o.logger.info('created publisher', {
          session: session.id,
          client: clientId,
          streamType,
          bitrate,
        });
        reply(bitrate > 0 ? { id: clientId, bitrate } : { id: clientId });
        return;
      }
      case 'create-subscriber': {
        const streamType = command.streamType;
        const publisherId = command.publisherId ?? '';
        let release: (() => void) | undefined;
        if (command.remoteUrl) {
          const remote = this.#o.remote;
          if (remote === undefined) {
            fail(ProxyErrors.remoteSubscribersNotSupported);
            return;
          }
          if (!isMediaStream(streamType) || !validRemoteUrl(command.remoteUrl)) {
            fail(ProxyErrors.invalidFormat);
            return;
          }
          const error = this.#checkRemoteToken(command.remoteToken ?? '', publisherId);
          if (error !== undefined) {
            fail(error);
            return;
          }
          this.#o.logger.info('creating remote subscriber', {
            session: session.id,
            publisher: publisherId,
            url: command.remoteUrl,
          });
          try {
            release = await remote.acquire(command.remoteUrl, publisherId, streamType);
          } catch (err) {
            this.#o.logger.warn('could not set up remote publisher', {
              session: session.id,
              publisher: publisherId,
              url: command.remoteUrl,
              error: String(err),
            });
            fail(
              err instanceof RemoteStreamError
                ? err.wire
                : err instanceof RemoteStreamsUnsupportedError
                  ? ProxyErrors.remoteSubscribersNotSupported
                  : err instanceof SfuTimeoutError
                    ? ProxyErrors.timeoutCreatingSubscriber
                    : internalError(err),
            );
            return;
          }
        }
        if (!isMediaStream(streamType)) {
          fail(ProxyErrors.invalidFormat);
          return;
        }
        const clientId = randomUUID();
        let subscriber: SfuClient;
        try {
          subscriber = await withTimeoutClosing(
            this.#o.sfu.newSubscriber(publisherId, streamType, this.#o.timeoutMs),
            this.#o.timeoutMs + 1000,
            'creating subscriber',
          );
        } catch (err) {
          this.#o.logger.warn('could not create subscriber', {
            session: session.id,
            publisher: publisherId,
            streamType,
            error: String(err),
          });
          release?.();
          fail(
            err instanceof SfuTimeoutError
              ? ProxyErrors.timeoutCreatingSubscriber
              : internalError(err),
          );
          return;
        }
        const source = this.#clients.get(publisherId);
        const bitrate =
          source?.kind === 'publisher' ? source.bitrate : this.#maxBitrate(streamType);
        const entry = { kind: 'subscriber' as const, id: clientId, client: subscriber, bitrate };
        if (release !== undefined) {
          this.#remoteReleases.set(clientId, release);
        }
        if (!this.#track(session, entry, streamType)) {
          this.#releaseRemote(clientId);
          return;
        }
        this.#o.logger.info('created subscriber', {
          session: session.id,
          client: clientId,
          publisher: publisherId,
          streamType,
        });
        reply({ id: clientId, sid: subscriber.sid });
        return;
      }
      case 'delete-publisher':
      case 'delete-subscriber': {
        const clientId = command.clientId ?? '';
        const kind = command.type === 'delete-publisher' ? 'publisher' : 'subscriber';
        const entry = this.#clients.get(clientId);
        if (entry === undefined || entry.kind !== kind || entry.session !== session) {
          fail(ProxyErrors.unknownClient);
          return;
        }
        this.#untrack(entry);
        this.#o.logger.info(`closing ${kind}`, { session: session.id, client: clientId });
        void entry.client.close();
        reply({ id: clientId });
        return;
      }
      case 'publish-remote':
      case 'unpublish-remote': {
        const clientId = command.clientId ?? '';
        const publisher = this.#janusPublisher(clientId);
        if (publisher === undefined) {
          fail(ProxyErrors.unknownClient);
          return;
        }
        const target = remoteTarget(session.id, command);
        if (target === undefined) {
          fail(ProxyErrors.invalidFormat);
          return;
        }
        try {
          if (command.type === 'publish-remote') {
            await this.#publishRemote(publisher, target);
            this.#rememberForwarding(session, publisher, target, true);
          } else {
            await withTimeout(publisher.unpublishRemote(target), this.#o.timeoutMs, 'unpublish');
            this.#rememberForwarding(session, publisher, target, false);
          }
        } catch (err) {
          this.#o.logger.warn(`${command.type} failed`, {
            client: clientId,
            host: target.host,
            port: target.port,
            error: String(err),
          });
          fail(internalError(err));
          return;
        }
        this.#o.logger.info(command.type, {
          session: session.id,
          client: clientId,
          host: target.host,
          port: target.port,
          rtcpPort: target.rtcpPort,
        });
        reply({ id: clientId });
        return;
      }
      case 'get-publisher-streams': {
        const clientId = command.clientId ?? '';
        const publisher = this.#janusPublisher(clientId);
        if (publisher === undefined) {
          fail(ProxyErrors.unknownClient);
          return;
        }
        let streams: ProxyPublisherStream[];
        try {
          streams = await publisher.streams(this.#o.timeoutMs);
        } catch (err) {
          this.#o.logger.warn('could not get publisher streams', {
            client: clientId,
            error: String(err),
          });
          fail(internalError(err));
          return;
        }
        reply({ id: clientId, streams });
        return;
      }
      default:
        fail(ProxyErrors.unsupportedCommand);
    }
  }

  /** The Janus publisher `clientId` names (remote streams need one), or undefined. */
  #janusPublisher(clientId: string): JanusPublisher | undefined {
    const entry = this.#clients.get(clientId);
    return entry?.kind === 'publisher' && entry.client instanceof JanusPublisher
      ? entry.client
      : undefined;
  }

  /** A remote token must be valid here and name the publisher (`sub`). */
  #checkRemoteToken(token: string, publisherId: string): WireError | undefined {
    const claims = verifyProxyToken(token, this.#o.tokens, Date.now() / 1000);
    if (isRejection(claims)) {
      this.#o.metrics.tokenErrorsTotal.inc({ reason: claims.reason });
      return {
        auth_failed: ProxyErrors.tokenAuthFailed,
        token_expired: ProxyErrors.tokenExpired,
        token_not_valid_yet: ProxyErrors.tokenNotValidYet,
      }[claims.error];
    }
    return claims.sub === publisherId ? undefined : ProxyErrors.tokenAuthFailed;
  }

  /** `publish_remotely`; a stale forwarding of the same id is replaced (as upstream). */
  async #publishRemote(publisher: JanusPublisher, target: RemoteTarget): Promise<void> {
    const attempt = publisher.publishRemote(target);
    try {
      await withTimeout(attempt, this.#o.timeoutMs, 'publish');
    } catch (err) {
      if (err instanceof SfuTimeoutError) {
        // Janus may still start the forwarding after we gave up: stop it then, nobody tracks it.
        attempt.then(
          () => publisher.unpublishRemote(target).catch(() => undefined),
          () => undefined,
        );
      }
      if (!(err instanceof VideoroomRequestError) || err.code !== VIDEOROOM_ERROR_ID_EXISTS) {
        throw err;
      }
      await withTimeout(publisher.unpublishRemote(target), this.#o.timeoutMs, 'unpublish');
      await withTimeout(publisher.publishRemote(target), this.#o.timeoutMs, 'publish');
    }
  }

  #rememberForwarding(
    session: ProxySession,
    publisher: JanusPublisher,
    target: RemoteTarget,
    add: boolean,
  ): void {
    const key = JSON.stringify([publisher.id, target.host, target.port, target.rtcpPort]);
    let forwardings = this.#forwardings.get(session);
    if (add) {
      if (forwardings === undefined) {
        forwardings = new Map();
        this.#forwardings.set(session, forwardings);
      }
      forwardings.set(key, { publisher, target });
    } else if (forwardings !== undefined) {
      forwardings.delete(key);
      if (forwardings.size === 0) {
        this.#forwardings.delete(session);
      }
    }
  }

  /**
   * A publisher went: its forwardings went with it on Janus, so no session keeps them (a later
   * `unpublish-remote` for it is answered `unknown_client` and would never remove them).
   */
  #forgetForwardings(publisher: SfuClient): void {
    for (const [session, forwardings] of this.#forwardings) {
      for (const [key, forwarding] of forwardings) {
        if (forwarding.publisher === publisher) {
          forwardings.delete(key);
        }
      }
      if (forwardings.size === 0) {
        this.#forwardings.delete(session);
      }
    }
  }

  /** A session went: the forwardings it asked for stop (its proxy no longer wants them). */
  #stopForwardings(session: ProxySession): void {
    const forwardings = this.#forwardings.get(session);
    this.#forwardings.delete(session);
    for (const { publisher, target } of forwardings?.values() ?? []) {
      if (!publisher.closed) {
        void publisher.unpublishRemote(target).catch(() => undefined);
      }
    }
  }

  #releaseRemote(clientId: string): void {
    const release = this.#remoteReleases.get(clientId);
    if (release !== undefined) {
      this.#remoteReleases.delete(clientId);
      release();
    }
  }

  #maxBitrate(streamType: StreamType): number {
    const limits = this.#o.sfu.limits;
    return streamType === 'screen' ? limits.maxScreenBitrate : limits.maxStreamBitrate;
  }

  /**
   * Registers a new publisher or subscriber and forwards its events; false (and the object is
   * closed) when its session went away while it was being created.
   */
  #track(session: ProxySession, entry: SessionClient, streamType: 'video' | 'screen'): boolean {
    if (session.closed || this.#stopped) {
      void entry.client.close();
      return false;
    }
    const tracked: Tracked = { ...entry, session };
    this.#clients.set(entry.id, tracked);
    if (tracked.kind === 'publisher') {
      session.publishers.set(entry.id, tracked);
      this.#o.metrics.publishers.inc({ type: streamType });
      this.#o.metrics.publishersTotal.inc({ type: streamType });
    } else {
      session.subscribers.set(entry.id, tracked);
      this.#o.metrics.subscribers.inc({ type: streamType });
      this.#o.metrics.subscribersTotal.inc({ type: streamType });
    }
    const client = entry.client;
    client.on('candidate', (candidate) => {
      if (this.#clients.get(entry.id) === tracked) {
        session.send({
          type: 'payload',
          payload: { type: 'candidate', clientId: entry.id, payload: { candidate } },
        });
      }
    });
    client.on('updateOffer', (offer) => {
      if (this.#clients.get(entry.id) === tracked) {
        session.send({
          type: 'payload',
          payload: { type: 'offer', clientId: entry.id, payload: { offer } },
        });
      }
    });
    client.on('iceCompleted', () => {
      if (this.#clients.get(entry.id) === tracked) {
        session.send({ type: 'event', event: { type: 'ice-completed', clientId: entry.id } });
      }
    });
    client.once('closed', () => {
      if (this.#clients.get(entry.id) !== tracked) {
        return;
      }
      this.#untrack(tracked);
      const type = tracked.kind === 'publisher' ? 'publisher-closed' : 'subscriber-closed';
      session.send({ type: 'event', event: { type, clientId: entry.id } });
    });
    return true;
  }

  /** Forgets a publisher or subscriber (deleted by its server, closed, or its session gone). */
  #untrack(entry: Tracked): void {
    if (this.#clients.get(entry.id) !== entry) {
      return;
    }
    this.#clients.delete(entry.id);
    this.#releaseRemote(entry.id);
    const type = entry.client.streamType;
    if (entry.kind === 'publisher') {
      entry.session.publishers.delete(entry.id);
      this.#o.metrics.publishers.dec({ type });
      this.#forgetForwardings(entry.client);
    } else {
      entry.session.subscribers.delete(entry.id);
      this.#o.metrics.subscribers.dec({ type });
    }
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#shutdownScheduled && this.#clients.size === 0 && this.#onIdle !== undefined) {
      const onIdle = this.#onIdle;
      this.#onIdle = undefined;
      // After the current turn: the answer to the delete that emptied the proxy goes out first.
      setImmediate(onIdle);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Payloads

  #payload(session: ProxySession, id: string | undefined, payload: ProxyPayloadRequest): void {
    const entry = this.#clients.get(payload.clientId);
    if (entry === undefined) {
      session.send(errorMessage(id, ProxyErrors.unknownClient));
      return;
    }
    this.#o.metrics.payloadMessagesTotal.inc({ type: messageTypeLabel('payload', payload.type) });
    const answer = (inner: Record<string, unknown> | null) =>
      session.send({
        ...(id === undefined ? {} : { id }),
        type: 'payload',
        payload: { type: payload.type, clientId: payload.clientId, payload: inner },
      });
    const data = payloadToMcuData(payload, entry.client.streamType, this.#o.filter);
    if (data === 'acknowledge') {
      answer(null);
      return;
    }
    if (typeof data === 'string') {
      this.#o.logger.debug('unsupported payload', { client: payload.clientId, why: data });
      session.send(errorMessage(id, ProxyErrors.unsupportedPayload));
      return;
    }
    withTimeout(entry.client.handle(data), this.#o.timeoutMs, `${payload.type}`).then(
      (result) => answer(result ?? null),
      (err: unknown) => {
        this.#o.logger.warn('payload failed', {
          client: payload.clientId,
          type: payload.type,
          error: String(err),
        });
        session.send(
          errorMessage(
            id,
            err instanceof SfuTimeoutError
              ? internalError(new Error('context deadline exceeded'))
              : internalError(err),
          ),
        );
      },
    );
  }

  // ------------------------------------------------------------------------------------------
  // Sessions, load

  /** Deletes a session: its objects are closed, its connection (if any) gets `bye`. */
  #deleteSession(session: ProxySession, byeReason: string | undefined): Promise<void>[] {
    if (this.#sessions.get(session.id) !== session) {
      return [];
    }
    this.#sessions.delete(session.id);
    this.#o.metrics.sessions.set(undefined, this.#sessions.size);
    const connection = session.attach(undefined);
    if (connection !== undefined && byeReason !== undefined) {
      connection.send({ type: 'bye', bye: { reason: byeReason } });
    }
    this.#stopForwardings(session);
    const owned = session.close();
    const closing: Promise<void>[] = [];
    for (const entry of owned) {
      const tracked = this.#clients.get(entry.id);
      if (tracked !== undefined) {
        this.#untrack(tracked);
      }
      closing.push(entry.client.close());
    }
    return closing;
  }

  #expireSessions(): void {
    const now = Date.now();
    for (const session of [...this.#sessions.values()]) {
      if (session.connection === undefined && session.expired(now)) {
        this.#o.logger.info('deleting expired session', { session: session.id });
        void Promise.allSettled(this.#deleteSession(session, 'session_expired'));
      }
    }
  }

  #loadClients(): Iterable<LoadClient> {
    return this.#clients.values();
  }

  #loadEvent(): ProxyEvent {
    return loadEvent(this.#load, this.#o.bandwidth.incoming, this.#o.bandwidth.outgoing);
  }

  /** Computes the load; when it changed, every session hears it (not while shutting down). */
  updateLoad(): void {
    const current = computeLoad(this.#loadClients());
    if (!loadChanged(current, this.#load)) {
      return;
    }
    this.#load = current;
    this.#o.metrics.load.set(undefined, current.load);
    if (!this.#shutdownScheduled) {
      this.#broadcast({ type: 'event', event: this.#loadEvent() });
    }
  }

  #broadcast(message: ProxyServerMessage): void {
    for (const session of this.#sessions.values()) {
      session.send(message);
    }
  }
}

/** The destination of `publish-remote` / `unpublish-remote`, validated; undefined when invalid. */
function remoteTarget(requester: string, command: ProxyCommandRequest): RemoteTarget | undefined {
  const { hostname, port, rtcpPort } = command;
  const validPort = (p: unknown): p is number =>
    typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536;
  if (
    typeof hostname !== 'string' ||
    hostname === '' ||
    hostname.length > MAX_HOSTNAME_LENGTH ||
    !/^[A-Za-z0-9.:_-]+$/.test(hostname) ||
    !validPort(port) ||
    !(rtcpPort === undefined || rtcpPort === 0 || validPort(rtcpPort))
  ) {
    return undefined;
  }
  return { requester, host: hostname, port, rtcpPort: rtcpPort ?? 0 };
}
