import {
  type ClientMessage,
  decodeClientFrame,
  ErrorCodes,
  type HelloNew,
  type HelloResume,
  type ServerMessage,
  SignalingError,
  type WireError,
} from '@spreed-ts/protocol';
import type { BackendClient } from '../backend/backend-client.js';
import type { BackendRegistry } from '../backend/backend-registry.js';
import type { Logger } from '../logger.js';
import type { ClientConnection, ConnectionHandler } from '../transport/client-connection.js';
import { ClientSession } from './client-session.js';
import { type FeatureLists, featureLists } from './features.js';
import { authenticateHello } from './hello-auth.js';
import type { SessionIdCodec } from './session-ids.js';
import type { Throttler } from './throttle.js';

/** Upstream's timers. */
export interface HubTimings {
  /** A new connection must say hello within this time. */
  helloTimeoutMs: number;
  /** An anonymous session must join a room within this time. */
  anonymousJoinTimeoutMs: number;
  /** A disconnected session can be resumed for this long. */
  sessionExpiryMs: number;
  /** Interval of the timer sweep (upstream: one second). */
  housekeepingMs: number;
}

/** Upstream's values: 2 s, 10 s, 30 s, swept every second. */
export const DEFAULT_TIMINGS: HubTimings = {
  helloTimeoutMs: 2_000,
  anonymousJoinTimeoutMs: 10_000,
  sessionExpiryMs: 30_000,
  housekeepingMs: 1_000,
};

/** Everything the hub needs from outside. */
export interface HubOptions {
  version: string;
  backends: BackendRegistry;
  backendClient: BackendClient;
  codec: SessionIdCodec;
  throttler: Throttler;
  internalSecret: () => string;
  logger: Logger;
  timings?: Partial<HubTimings>;
}

/** Handles the rest of the client protocol once a session exists (rooms, messages, …). */
export interface SessionMessageHandler {
  /** A message from an authenticated session. */
  handle(session: ClientSession, message: ClientMessage): Promise<void> | undefined;
  /** A session was resumed on a new connection; `hadParticipantsUpdate` tells what was replayed. */
  resumed(session: ClientSession, hadParticipantsUpdate: boolean): void;
  /** A session ends for good (bye, expiry, kicked). */
  closed(session: ClientSession): void;
}

/** Frames of a client connection whose session lives on another server of the cluster. */
export interface ConnectionRelay {
  /** A text frame from the client, to pass on unread. */
  text(text: string): void;
  /** The client connection closed. */
  closed(): void;
}

/** What the hub asks the other servers of a cluster; absent on a single server. */
export interface HubCluster {
  /** Whether other servers exist right now (nothing is asked otherwise). */
  readonly active: boolean;
  /** Sessions counted against `backendId`'s limit on the other servers. */
  sessionCount(backendId: string): Promise<number>;
  /**
   * Hands `connection` over to the server that holds the session of `resumeId`, which replays
   * `frame` (the hello) there. Resolves with the relay for the connection's later frames, or
   * undefined when no other server holds that session.
   */
  resume(
    connection: ClientConnection,
    resumeId: string,
    frame: string,
  ): Promise<ConnectionRelay | undefined>;
}

const EMPTY: ReadonlySet<ClientSession> = new Set();

/** Observer for metrics and logging; every hook is optional. */
export interface HubObserver {
  /** A client frame passed validation (unknown types are reported as `unsupported`). */
  message?(type: string): void;
  /** A session was registered by a successful hello. */
  sessionAdded?(session: ClientSession): void;
  /** A session ended for good. */
  sessionRemoved?(session: ClientSession): void;
  /** A session was resumed on a new connection. */
  sessionResumed?(session: ClientSession): void;
  /** A resume named no live session. */
  resumeFailed?(): void;
  /** A hello was refused because the backend's session limit is reached. */
  sessionLimitExceeded?(backendId: string): void;
  /** Handling a client frame threw (a bug): the session was closed with `internal_error`. */
  handlerFailed?(): void;
}

/**
 * Close code of the connections still open when the server stops. Not 1001 ("going away"): Talk's
 * web client does not reconnect after a 1001, and it must reconnect to the restarted server (Go's
 * server just drops the connections, which clients see as 1006 and also reconnect after).
 */
const CLOSE_SERVICE_RESTART = 1012;

/** WebSocket close code for a connection whose handling failed (RFC 6455 "internal error"). */
const CLOSE_INTERNAL_ERROR = 1011;

const invalidFormat: WireError = {
  code: ErrorCodes.invalidFormat,
  message: 'Invalid data format.',
};

/**
 * The session registry and the first half of the protocol: welcome, hello (new and resume), bye,
 * timeouts and expiry. Authenticated messages go to the {@link SessionMessageHandler}.
 */
export class Hub implements ConnectionHandler {
  readonly #options: HubOptions;
  readonly #timings: HubTimings;
  readonly #sessions = new Map<string, ClientSession>();
  readonly #byPrivateId = new Map<string, ClientSession>();
  readonly #expectHello = new Map<ClientConnection, number>();
  readonly #anonymous = new Map<ClientSession, number>();
  readonly #expiring = new Map<ClientSession, number>();
  readonly #perBackend = new Map<string, number>();
  /** Sessions by `backend id|user id`, for user-addressed messages and roomlist events. */
  readonly #byUser = new Map<string, Set<ClientSession>>();
  readonly #connections = new Set<ClientConnection>();
  #features: FeatureLists = featureLists({ mcu: false });
  #welcomeText = '';
  #handler: SessionMessageHandler | undefined;
  #cluster: HubCluster | undefined;
  /** Connections relayed to the server that holds their session (cluster resume). */
  readonly #relayed = new Map<ClientConnection, ConnectionRelay>();
  #timer: NodeJS.Timeout;
  /** Set by {@link scheduleShutdown}: called once the last counted session is gone. */
  #drained: (() => void) | undefined;
  /** Metrics hooks. */
  observer: HubObserver = {};

  constructor(options: HubOptions) {
    this.#options = options;
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.#updateWelcome();
    this.#timer = setInterval(() => this.#housekeeping(), this.#timings.housekeepingMs);
    this.#timer.unref();
  }

  /** Plugs in the handler for authenticated messages. */
  setMessageHandler(handler: SessionMessageHandler): void {
    this.#handler = handler;
  }

  /** Plugs in the other servers of a cluster. */
  setCluster(cluster: HubCluster | undefined): void {
    this.#cluster = cluster;
  }

  /** The current feature lists. */
  get features(): FeatureLists {
    return this.#features;
  }

  /** Changes what the server advertises (e.g. when the SFU connects or goes away). */
  setFeatureState(state: { mcu: boolean }): void {
    this.#features = featureLists(state);
    this.#updateWelcome();
  }

  #updateWelcome(): void {
    this.#welcomeText = JSON.stringify({
      type: 'welcome',
      welcome: { version: this.#options.version, features: this.#features.welcome },
    } satisfies ServerMessage);
  }

  /** A session by public id. */
  session(publicId: string): ClientSession | undefined {
    return this.#sessions.get(publicId);
  }

  /** A live session by private (resume) id. */
  sessionByResumeId(privateId: string): ClientSession | undefined {
    const session = this.#byPrivateId.get(privateId);
    return session?.closed === false ? session : undefined;
  }

  /** Live sessions of a user (authenticated user id) on a backend. */
  sessionsOfUser(backendId: string, userId: string): ReadonlySet<ClientSession> {
    return this.#byUser.get(`${backendId}|${userId}`) ?? EMPTY;
  }

  /** All live sessions (connected or waiting for resume). */
  get sessions(): ReadonlyMap<string, ClientSession> {
    return this.#sessions;
  }

  /** Number of open client connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  // --- connection lifecycle -------------------------------------------------------------------

  /** A WebSocket was accepted: greet it and start the hello timer. */
  accept(connection: ClientConnection): void {
    this.#connections.add(connection);
    this.#expectHello.set(connection, Date.now() + this.#timings.helloTimeoutMs);
    connection.send(this.#welcomeText);
  }

  onBinary(connection: ClientConnection): void {
    this.#reply(connection, { type: 'error', error: invalidFormat });
  }

  onClose(connection: ClientConnection): void {
    this.#connections.delete(connection);
    this.#expectHello.delete(connection);
    const relay = this.#relayed.get(connection);
    if (relay !== undefined) {
      this.#relayed.delete(connection);
      relay.closed();
      return;
    }
    const session = connection.session;
    if (session instanceof ClientSession) {
      session.detach(connection);
      if (!session.closed && session.connection === undefined) {
        this.#expiring.set(session, Date.now() + this.#timings.sessionExpiryMs);
      }
    }
  }

  /**
   * One client frame. Whatever handling it throws (synchronously or by rejecting) is a bug that
   * must cost only its sender: the session gets `internal_error` and is closed, the failure is
   * logged with the session and counted, and every other session goes on.
   */
  onText(connection: ClientConnection, text: string): Promise<void> | undefined {
    const session = connection.session;
    try {
      const pending = this.#onText(connection, text);
      return pending?.catch((err: unknown) => this.#handlerFailed(connection, session, text, err));
    } catch (err) {
      this.#handlerFailed(connection, session, text, err);
      return undefined;
    }
  }

  #handlerFailed(connection: ClientConnection, session: unknown, text: string, err: unknown): void {
    this.observer.handlerFailed?.();
    const owner = session instanceof ClientSession ? session : undefined;
    this.#options.logger.error('handling a client message failed; closing its session', {
      session: owner?.publicId,
      remote: connection.remoteAddress,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    if (connection.isOpen) {
      this.#replyError(connection, idOf(text), ErrorCodes.internalError, 'Internal error.');
      connection.close(CLOSE_INTERNAL_ERROR, 'internal error');
    }
    if (owner !== undefined) {
      this.closeSession(owner, 'internal error');
    }
  }

  #onText(connection: ClientConnection, text: string): Promise<void> | undefined {
    if (this.#relayed.size !== 0) {
      const relay = this.#relayed.get(connection);
      if (relay !== undefined) {
        relay.text(text);
        return undefined;
      }
    }
    let message: ClientMessage;
    try {
      message = decodeClientFrame(text);
    } catch (err) {
      const wire = err instanceof SignalingError ? err.toWire() : invalidFormat;
      // Frames that are not JSON objects carry no id to echo.
      const id = idOf(text);
      const error: WireError =
        wire.code === ErrorCodes.invalidFormat
          ? { ...invalidFormat, details: { reason: wire.message } }
          : { code: wire.code, message: 'The hello version is not supported.' };
      this.#reply(
        connection,
        id === undefined ? { type: 'error', error } : { id, type: 'error', error },
      );
      return undefined;
    }
    this.observer.message?.(message.type);
    const session = connection.session;
    if (!(session instanceof ClientSession)) {
      if (message.type !== 'hello') {
        this.#replyError(
          connection,
          message.id,
          ErrorCodes.helloExpected,
          'Expected Hello request.',
        );
        return undefined;
      }
      return this.#hello(connection, message.hello, message.id);
    }
    switch (message.type) {
      case 'hello':
        return undefined;
      case 'unsupported':
        // Upstream answers unknown transient operations; everything else unknown is ignored.
        if (message.original === 'transient') {
          this.#replyError(connection, message.id, ErrorCodes.ignored, 'Unsupported message type.');
        }
        return undefined;
      case 'bye':
        this.#bye(connection, session, message.id);
        return undefined;
      default:
        return this.#handler?.handle(session, message);
    }
  }

  #reply(connection: ClientConnection, message: ServerMessage): void {
    connection.send(JSON.stringify(message));
  }

  #replyError(
    connection: ClientConnection,
    id: string | undefined,
    code: string,
    text: string,
    details?: unknown,
  ): void {
    const error: WireError = { code, message: text };
    if (details !== undefined) {
      error.details = details;
    }
    this.#reply(
      connection,
      id === undefined ? { type: 'error', error } : { id, type: 'error', error },
    );
  }

  // --- hello ----------------------------------------------------------------------------------

  async #hello(
    connection: ClientConnection,
    hello: HelloNew | HelloResume,
    id: string | undefined,
  ) {
    if (hello.resumeid !== undefined) {
      await this.#resume(connection, hello, id);
      return;
    }
    // The backend may take a while; the hello timer must not fire meanwhile.
    this.#expectHello.delete(connection);
    try {
      this.#refuseIfShuttingDown();
      const auth = await authenticateHello(hello, connection.remoteAddress, {
        backends: this.#options.backends,
        backendClient: this.#options.backendClient,
        throttler: this.#options.throttler,
        internalSecret: this.#options.internalSecret,
      });
      if (!connection.isOpen) {
        return;
      }
      this.#refuseIfShuttingDown();
      const clientType = hello.auth.type;
      const counted = clientType !== 'internal';
      if (counted && auth.backend.sessionLimit > 0) {
        let count = this.#perBackend.get(auth.backend.id) ?? 0;
        if (count < auth.backend.sessionLimit && this.#cluster?.active) {
          // Upstream enforces the limit cluster-wide (GetSessionCount of every other server).
          const remote = await this.#cluster.sessionCount(auth.backend.id);
          if (!connection.isOpen) {
            return;
          }
          count = (this.#perBackend.get(auth.backend.id) ?? 0) + remote;
        }
        if (count >= auth.backend.sessionLimit) {
          this.observer.sessionLimitExceeded?.(auth.backend.id);
          throw new SignalingError(
            ErrorCodes.sessionLimitExceeded,
            'Too many sessions connected for this backend.',
          );
        }
      }
      const session = new ClientSession({
        publicId: this.#options.codec.newPublicId(),
        privateId: this.#options.codec.newPrivateId(),
        clientType,
        backend: auth.backend,
        backendUrl: auth.backendUrl,
        userId: auth.userId,
        user: auth.user,
        features: hello.features,
      });
      session.onOverflow = (s) => this.closeSession(s, 'queue overflow');
      if (counted) {
        this.#perBackend.set(auth.backend.id, (this.#perBackend.get(auth.backend.id) ?? 0) + 1);
      }
      this.#sessions.set(session.publicId, session);
      this.#byPrivateId.set(session.privateId, session);
      if (session.userId !== '') {
        const key = `${session.backend.id}|${session.userId}`;
        let set = this.#byUser.get(key);
        if (!set) {
          set = new Set();
          this.#byUser.set(key, set);
        }
        set.add(session);
      }
      session.attach(connection);
      this.observer.sessionAdded?.(session);
      if (auth.userId === '' && clientType !== 'internal') {
        this.startAnonymousTimer(session);
      }
      this.#options.logger.info('session registered', {
        session: session.publicId,
        type: clientType,
        user: auth.userId || undefined,
        backend: auth.backend.id,
        remote: connection.remoteAddress,
      });
      session.send(this.#helloResponse(session, hello.version, id));
    } catch (err) {
      if (!connection.isOpen) {
        return;
      }
      this.#expectHello.set(connection, Date.now() + this.#timings.helloTimeoutMs);
      this.#sendCaught(connection, id, err);
    }
  }

  /** No new sessions once a shutdown is scheduled (the client goes to another server). */
  #refuseIfShuttingDown(): void {
    if (this.#drained !== undefined) {
      throw new SignalingError(
        ErrorCodes.shutdownScheduled,
        'The server is scheduled to shutdown.',
      );
    }
  }

  #sendCaught(connection: ClientConnection, id: string | undefined, err: unknown): void {
    if (err instanceof SignalingError) {
      const wire = err.toWire();
      this.#replyError(connection, id, wire.code, wire.message, wire.details);
      return;
    }
    this.#options.logger.error('unexpected error', { error: String(err) });
    this.#replyError(connection, id, ErrorCodes.internalError, 'Internal error.');
  }

  async #resume(connection: ClientConnection, hello: HelloResume, id: string | undefined) {
    const check = this.#options.throttler.check(connection.remoteAddress, 'HelloResume');
    if (check.blocked) {
      this.#replyError(connection, id, ErrorCodes.tooManyRequests, 'Too many requests.');
      return;
    }
    const noSuchSession = () =>
      this.#replyError(
        connection,
        id,
        ErrorCodes.noSuchSession,
        'The session to resume does not exist.',
      );
    if (!this.#options.codec.isValidPrivateId(hello.resumeid)) {
      this.observer.resumeFailed?.();
      // Another server may use other keys (upstream asks the cluster before punishing).
      if (this.#cluster?.active && (await this.#resumeElsewhere(connection, hello, id))) {
        return;
      }
      // Invented ids are punished; merely expired ones (valid syntax) are not.
      await check.fail();
      if (connection.isOpen) {
        noSuchSession();
      }
      return;
    }
    const session = this.#byPrivateId.get(hello.resumeid);
    if (!session || session.closed) {
      this.observer.resumeFailed?.();
      if (this.#cluster?.active && (await this.#resumeElsewhere(connection, hello, id))) {
        return;
      }
      if (connection.isOpen) {
        noSuchSession();
      }
      return;
    }
    if (!connection.isOpen) {
      return;
    }
    const previous = session.attach(connection);
    if (previous?.isOpen) {
      previous.sendAndClose(JSON.stringify({ type: 'bye', bye: { reason: 'session_resumed' } }));
    }
    this.#expiring.delete(session);
    this.#expectHello.delete(connection);
    this.#options.logger.info('session resumed', {
      session: session.publicId,
      remote: connection.remoteAddress,
    });
    this.observer.sessionResumed?.(session);
    session.send(this.#helloResponse(session, hello.version, id));
    const hadParticipants = session.flushPending();
    this.#handler?.resumed(session, hadParticipants);
  }

  /**
   * Cluster resume (upstream's tryProxyResume): when another server holds the session, this
   * connection's frames are relayed there from now on. Returns whether that happened.
   */
  async #resumeElsewhere(
    connection: ClientConnection,
    hello: HelloResume,
    id: string | undefined,
  ): Promise<boolean> {
    if (this.#cluster === undefined) {
      return false;
    }
    const frame = JSON.stringify(
      id === undefined ? { type: 'hello', hello } : { id, type: 'hello', hello },
    );
    // As for a new hello, the hello timer must not close the client while the others are asked;
    // a failed lookup gives it a fresh one, for the new hello that usually follows.
    this.#expectHello.delete(connection);
    const relay = await this.#cluster.resume(connection, hello.resumeid, frame);
    if (relay === undefined) {
      if (connection.isOpen && !(connection.session instanceof ClientSession)) {
        this.#expectHello.set(connection, Date.now() + this.#timings.helloTimeoutMs);
      }
      return false;
    }
    if (!connection.isOpen) {
      relay.closed();
      return true;
    }
    this.#relayed.set(connection, relay);
    return true;
  }

  #helloResponse(session: ClientSession, version: string, id: string | undefined): ServerMessage {
    const features =
      session.clientType === 'internal' ? this.#features.internal : this.#features.client;
    const hello = {
      version,
      sessionid: session.publicId,
      resumeid: session.privateId,
      userid: session.userId,
      server: { version: this.#options.version, features },
    };
    return id === undefined ? { type: 'hello', hello } : { id, type: 'hello', hello };
  }

  // --- bye, timers, removal -------------------------------------------------------------------

  #bye(connection: ClientConnection, session: ClientSession, id: string | undefined): void {
    connection.sendAndClose(
      JSON.stringify(id === undefined ? { type: 'bye' } : { id, type: 'bye' }),
    );
    this.closeSession(session, 'bye');
  }

  /** (Re)starts the anonymous room-join timer of a session (after hello, or after leaving a room). */
  startAnonymousTimer(session: ClientSession): void {
    if (session.clientType === 'internal') {
      return;
    }
    this.#anonymous.set(session, Date.now() + this.#timings.anonymousJoinTimeoutMs);
  }

  /** Stops the anonymous timer (the session joined a room). */
  stopAnonymousTimer(session: ClientSession): void {
    this.#anonymous.delete(session);
  }

  /**
   * Ends a session for good: it leaves its room, its ids stop working, its connection (if any) is
   * closed after an optional `bye` with a reason.
   */
  closeSession(session: ClientSession, why: string, byeReason?: string): void {
    if (session.closed) {
      return;
    }
    const connection = session.connection;
    if (connection?.isOpen) {
      if (byeReason !== undefined) {
        connection.sendAndClose(JSON.stringify({ type: 'bye', bye: { reason: byeReason } }));
      } else {
        connection.close();
      }
    }
    this.#handler?.closed(session);
    session.markClosed();
    this.observer.sessionRemoved?.(session);
    this.#sessions.delete(session.publicId);
    this.#byPrivateId.delete(session.privateId);
    if (session.userId !== '') {
      const key = `${session.backend.id}|${session.userId}`;
      const set = this.#byUser.get(key);
      set?.delete(session);
      if (set?.size === 0) {
        this.#byUser.delete(key);
      }
    }
    this.#anonymous.delete(session);
    this.#expiring.delete(session);
    if (session.clientType !== 'internal') {
      const count = (this.#perBackend.get(session.backend.id) ?? 1) - 1;
      if (count <= 0) {
        this.#perBackend.delete(session.backend.id);
      } else {
        this.#perBackend.set(session.backend.id, count);
      }
    }
    this.#options.logger.info('session closed', { session: session.publicId, why });
    this.#checkDrained();
  }

  /**
   * Upstream's scheduled shutdown (SIGUSR1): from now on new hellos are refused with
   * `shutdown_scheduled`, while existing sessions go on (and can be resumed); `drained` is called
   * once no session but internal ones is left, at once if there is none. Returns false when a
   * shutdown was already scheduled.
   */
  scheduleShutdown(drained: () => void): boolean {
    if (this.#drained !== undefined) {
      return false;
    }
    this.#drained = drained;
    this.#checkDrained();
    return true;
  }

  /** Whether {@link scheduleShutdown} was called. */
  get shutdownScheduled(): boolean {
    return this.#drained !== undefined;
  }

  /** Sessions that keep a scheduled shutdown waiting (all but internal ones). */
  get countedSessions(): number {
    let total = 0;
    for (const count of this.#perBackend.values()) {
      total += count;
    }
    return total;
  }

  #checkDrained(): void {
    const drained = this.#drained;
    if (drained !== undefined && this.#perBackend.size === 0) {
      this.#drained = () => undefined;
      drained();
    }
  }

  /** Sessions currently counted against `backendId`'s limit. */
  sessionCount(backendId: string): number {
    return this.#perBackend.get(backendId) ?? 0;
  }

  #housekeeping(): void {
    const now = Date.now();
    for (const [connection, deadline] of this.#expectHello) {
      if (deadline <= now) {
        this.#expectHello.delete(connection);
        connection.sendAndClose(JSON.stringify({ type: 'bye', bye: { reason: 'hello_timeout' } }));
      }
    }
    for (const [session, deadline] of this.#anonymous) {
      if (deadline <= now) {
        this.closeSession(session, 'room join timeout', 'room_join_timeout');
      }
    }
    for (const [session, deadline] of this.#expiring) {
      if (deadline <= now) {
        this.closeSession(session, 'expired');
      }
    }
    this.#options.throttler.prune();
  }

  /** Stops timers and closes every connection (shutdown). */
  close(code = CLOSE_SERVICE_RESTART, reason = 'server shutting down'): void {
    clearInterval(this.#timer);
    for (const connection of [...this.#connections]) {
      connection.close(code, reason);
    }
  }
}

/** Best-effort id of a frame that failed validation, so the error can echo it. */
function idOf(text: string): string | undefined {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const id = (raw as { id?: unknown }).id;
      return typeof id === 'string' && id !== '' ? id : undefined;
    }
  } catch {
    // not JSON
  }
  return undefined;
}
