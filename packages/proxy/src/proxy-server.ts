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
  type ProxyServerMessage,
  UnsupportedProxyMessageError,
  type WireError,
} from '@spreed-ts/protocol';
import {
  type CandidateFilter,
  JanusPublisher,
  type Logger,
  type Sfu,
  type SfuClient,
  type SfuPublisher,
  SfuTimeoutError,
  type StreamType,
} from '@spreed-ts/server';
import { computeLoad, type Load, type LoadClient, loadChanged, loadEvent } from './load.js';
import { payloadToMcuData } from './payloads.js';
import type { ProxyConnection } from './proxy-connection.js';
import { messageTypeLabel, type ProxyMetrics } from './proxy-metrics.js';
import { ProxySession, type SessionClient } from './proxy-session.js';
import { errorMessage, frameId, internalError, isMediaStream, withTimeout } from './replies.js';
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
}

/** Features the proxy announces (upstream's `remote-streams` is not implemented). */
export const PROXY_FEATURES: readonly string[] = [];

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
    if (PROXY_FEATURES.length > 0) {
      server.features = [...PROXY_FEATURES];
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
    const reply = (body: { id: string; sid?: string; bitrate?: number }) =>
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
          publisher = await withTimeout(
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
        if (command.remoteUrl) {
          fail(ProxyErrors.remoteSubscribersNotSupported);
          return;
        }
        const streamType = command.streamType;
        const publisherId = command.publisherId ?? '';
        if (!isMediaStream(streamType)) {
          fail(ProxyErrors.invalidFormat);
          return;
        }
        const clientId = randomUUID();
        let subscriber: SfuClient;
        try {
          subscriber = await withTimeout(
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
        if (!this.#track(session, entry, streamType)) {
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
      case 'unpublish-remote':
      case 'get-publisher-streams': {
        // Streams between proxies (upstream's `remote-streams` feature) are not implemented.
        const entry = this.#clients.get(command.clientId ?? '');
        fail(
          entry?.kind === 'publisher' ? ProxyErrors.unsupportedCommand : ProxyErrors.unknownClient,
        );
        return;
      }
      default:
        fail(ProxyErrors.unsupportedCommand);
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
    const type = entry.client.streamType;
    if (entry.kind === 'publisher') {
      entry.session.publishers.delete(entry.id);
      this.#o.metrics.publishers.dec({ type });
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
