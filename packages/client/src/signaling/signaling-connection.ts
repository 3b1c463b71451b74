import {
  type ClientMessage,
  type RoomResponse,
  type ServerMessage,
  SignalingError,
} from '@spreed-ts/protocol';
import type { SignalingSettings } from '../http/talk-types.js';
import { AsyncBroadcast } from '../util/async-queue.js';
import { ClientError, describeError } from '../util/client-error.js';
import { EventEmitter } from '../util/event-emitter.js';
import { isObject, type JsonObject } from '../util/json.js';
import { type ClientLogger, silentLogger } from '../util/logger.js';
import { safeEmit } from '../util/safe-emit.js';
import { Backoff, type Deferred, deferred, sleep } from '../util/timers.js';
import { buildHello, isFatalConnectFailure, signalingCode } from './hello.js';
import { openSocket } from './open-socket.js';
import { parseServerMessage } from './parse-server-message.js';
import { PendingRequests } from './pending-requests.js';
import type {
  SessionInfo,
  SignalingConnectionOptions,
  SignalingEvents,
  SignalingStatus,
  SignalingTimeouts,
} from './signaling-types.js';
import {
  defaultWebSocketFactory,
  messageText,
  OPEN,
  signalingWebSocketUrl,
  type WebSocketLike,
} from './web-socket.js';

type State = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

const DEFAULT_TIMEOUTS: SignalingTimeouts = { open: 10_000, welcome: 3000, request: 10_000 };

/** Bye reasons after which the session is gone (no resume possible). */
const SESSION_ENDING_BYES = new Set([
  'room_join_timeout',
  'hello_timeout',
  'room_session_reconnected',
  'session_resumed',
]);

/**
 * One session with a standalone signaling server, kept alive across network trouble.
 *
 * `connect()` fetches the settings, opens `{server}/spreed`, waits up to 3 s for `welcome`, then
 * says hello (see `buildHello`). When the socket drops it reconnects with backoff (1 s doubling
 * to 16 s, ±50 % jitter) and resumes the session; when resuming fails it starts a new session and
 * emits `connected` with `resumed: false` — the owner must then join the room again (and the
 * call), exactly like after the first connect. Messages sent while reconnecting are queued and
 * sent after a resume (dropped for a new session: they belonged to the old one).
 */
export class SignalingConnection extends EventEmitter<SignalingEvents> {
  readonly #options: SignalingConnectionOptions;
  readonly #timeouts: SignalingTimeouts;
  readonly #logger: ClientLogger;
  readonly #backoff: Backoff;
  readonly #statuses = new AsyncBroadcast<SignalingStatus>();
  readonly #requests = new PendingRequests();
  readonly #queue: string[] = [];
  readonly #abort = new AbortController();
  readonly #closed = deferred<Error | undefined>();
  #state: State = 'idle';
  #socket: WebSocketLike | undefined;
  /** Identifies the current socket's handlers (frames of older sockets are ignored). */
  #attempt: object | undefined;
  #welcome: Deferred<void> | undefined;
  #settings: SignalingSettings | undefined;
  #session: SessionInfo | undefined;
  #features: readonly string[] = [];

  constructor(options: SignalingConnectionOptions) {
    super();
    this.#options = options;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#logger = options.logger ?? silentLogger;
    this.#backoff = new Backoff(options.backoff);
    this.#settings = options.initialSettings;
  }

  /** The current session, once connected. */
  get session(): SessionInfo | undefined {
    return this.#session;
  }

  /** Our public signaling session id (throws before the first hello). */
  get sessionId(): string {
    if (this.#session === undefined) {
      throw ClientError.invalidState('signaling not connected yet');
    }
    return this.#session.sessionId;
  }

  /** Whether a hello is currently established. */
  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** The last signaling settings (STUN/TURN servers live here). */
  get settings(): SignalingSettings | undefined {
    return this.#settings;
  }

  /** Whether the server announced `feature` (e.g. `mcu` when an SFU is configured). */
  hasFeature(feature: string): boolean {
    return this.#features.includes(feature);
  }

  /** Resolves when the connection is closed for good, with the error that closed it (if any). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  /** Connection status changes from now on, until closed. */
  status(): AsyncIterableIterator<SignalingStatus> {
    return this.#statuses.subscribe();
  }

  /** Connects and says hello; rejects with a {@link ClientError} when that fails. */
  async connect(): Promise<SessionInfo> {
    if (this.#state !== 'idle') {
      throw ClientError.invalidState('connect() may only be called once');
    }
    this.#state = 'connecting';
    this.#setStatus({ type: 'connecting' });
    try {
      return await this.#establish().catch((error: unknown) => {
        // A token that expired between fetching and hello: one more try with fresh settings.
        const code = signalingCode(error);
        if (code !== 'token_expired' && code !== 'token_not_valid_yet') {
          throw error;
        }
        this.#settings = undefined;
        return this.#establish();
      });
    } catch (error) {
      await this.close(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  /**
   * Joins the signaling room with the Talk session id from `participants/active` and resolves
   * with the server's `room` answer. Only after this answer may the call be joined over HTTP.
   * Internal clients pass no Talk session id.
   */
  async joinRoom(roomId: string, talkSessionId: string | undefined): Promise<RoomResponse> {
    let frame: ServerMessage;
    try {
      frame = await this.request({
        type: 'room',
        // Internal clients have no Talk session: they join without one.
        room:
          talkSessionId === undefined
            ? { roomid: roomId }
            : { roomid: roomId, sessionid: talkSessionId },
      });
    } catch (error) {
      const details =
        error instanceof ClientError && error.cause instanceof SignalingError
          ? error.cause.details
          : undefined;
      if (
        signalingCode(error) === 'already_joined' &&
        isObject(details) &&
        isObject(details.room)
      ) {
        return details.room as unknown as RoomResponse;
      }
      throw error;
    }
    if (frame.type !== 'room') {
      throw new ClientError('server_error', `unexpected answer to room join: ${frame.type}`);
    }
    if (frame.room.roomid !== roomId) {
      throw new ClientError('signaling', `joined room "${frame.room.roomid}" instead of ${roomId}`);
    }
    return frame.room;
  }

  /** Leaves the signaling room (the server only answers when we were in one). */
  async leaveRoom(timeoutMs = 2000): Promise<void> {
    if (this.connected) {
      await this.request({ type: 'room', room: { roomid: '' } }, timeoutMs).catch(() => undefined);
    }
  }

  /** Sends `data` to one session (`message`); an error answer arrives as `messageError`. */
  sendMessage(to: string, data: JsonObject): string {
    return this.#send('message', { recipient: { type: 'session', sessionid: to }, data }, data);
  }

  /** Sends a `control` message to one session (needs the `control` permission). */
  sendControl(to: string, data: JsonObject): string {
    return this.#send('control', { recipient: { type: 'session', sessionid: to }, data }, data);
  }

  /**
   * Internal clients only: sets our own in-call flags (`internal` `incall`; needs the
   * `internal-incall` client feature, else the server keeps "in call with audio"). Not answered.
   */
  setInternalInCall(flags: number): void {
    const text = JSON.stringify({
      type: 'internal',
      internal: { type: 'incall', incall: { incall: flags } },
    });
    const socket = this.#socket;
    if (this.#state === 'connected' && socket?.readyState === OPEN) {
      socket.send(text);
    } else if (this.#state !== 'closed' && this.#queue.length < 1000) {
      this.#queue.push(text);
    }
  }

  /** Sends `data` to everybody in the room. */
  sendRoomMessage(data: JsonObject): string {
    return this.#send('message', { recipient: { type: 'room' }, data }, data);
  }

  /** Sends a request with a fresh id and resolves with the answer (rejects on `error`). */
  request(
    message: Exclude<ClientMessage, { type: 'unsupported' }>,
    timeoutMs = this.#timeouts.request,
  ): Promise<ServerMessage> {
    const socket = this.#socket;
    if (socket === undefined || socket.readyState !== OPEN) {
      return Promise.reject(new ClientError('closed', 'the signaling connection is not open'));
    }
    const id = this.#requests.nextId();
    const answer = this.#requests.wait(id, timeoutMs, `the answer to ${message.type}`);
    socket.send(JSON.stringify({ ...message, id }));
    return answer;
  }

  /**
   * Says bye (releasing the session at once instead of after 30 s) and closes; idempotent.
   * With `error`, closes because of it (reported through `closed`).
   */
  async close(error?: Error): Promise<void> {
    if (this.#state === 'closed') {
      return;
    }
    const wasConnected = this.#state === 'connected';
    this.#state = 'closed';
    this.#abort.abort(ClientError.closed('reconnecting'));
    if (wasConnected && error === undefined && this.#socket?.readyState === OPEN) {
      const id = this.#requests.nextId();
      const bye = this.#requests.wait(id, 1000, 'bye').catch(() => undefined);
      this.#socket.send(JSON.stringify({ id, type: 'bye', bye: {} }));
      await bye;
    }
    this.#dropSocket();
    this.#requests.rejectAll(ClientError.closed('a signaling request'));
    this.#setStatus(error === undefined ? { type: 'closed' } : { type: 'closed', error });
    this.#statuses.end();
    this.#closed.resolve(error);
    safeEmit(this, this.#listenerError, 'closed', error);
  }

  /** Drops the socket as if the network failed (tests and diagnostics). */
  dropConnection(): void {
    this.#socket?.close(4000, 'dropped');
  }

  // ---- establishing a session -----------------------------------------------------------------

  async #establish(): Promise<SessionInfo> {
    const resuming = this.#session;
    if (resuming === undefined || this.#settings === undefined) {
      this.#settings = await this.#options.fetchSettings();
    }
    const settings = this.#settings;
    const factory = this.#options.webSocket ?? (await defaultWebSocketFactory());
    if (this.#state === 'closed') {
      throw ClientError.closed('connecting');
    }
    this.#dropSocket();
    this.#features = [];
    const welcome = deferred<void>();
    this.#welcome = welcome;
    const attempt = {};
    this.#attempt = attempt;
    this.#socket = await openSocket(
      factory,
      signalingWebSocketUrl(settings.server),
      this.#timeouts.open,
      {
        onMessage: (data) => this.#onFrame(attempt, data),
        onClose: (code, reason) => this.#onSocketClosed(attempt, code, reason),
      },
    );
    if (settings.helloAuthParams['2.0'] !== undefined) {
      // Like the web client: wait a moment for `welcome` (hello-v2 servers send it at once).
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        welcome.promise,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#timeouts.welcome);
        }),
      ]);
      clearTimeout(timer);
    }
    if (resuming !== undefined) {
      try {
        return await this.#hello(
          { version: resuming.version, resumeid: resuming.resumeId },
          resuming,
        );
      } catch (error) {
        if (signalingCode(error) === undefined) {
          throw error;
        }
        // The session expired (or the server restarted): start over with a new session.
        this.#logger.debug(`resume failed (${signalingCode(error)}); starting a new session`);
        this.#session = undefined;
        this.#queue.length = 0;
        return this.#establish();
      }
    }
    return this.#hello(
      buildHello(settings, this.#features, this.#options.backendUrl, this.#options.features),
      undefined,
    );
  }

  async #hello(hello: JsonObject, resuming: SessionInfo | undefined): Promise<SessionInfo> {
    const frame = await this.request({ type: 'hello', hello } as unknown as Exclude<
      ClientMessage,
      { type: 'unsupported' }
    >);
    if (frame.type !== 'hello') {
      throw new ClientError('server_error', `unexpected answer to hello: ${frame.type}`);
    }
    const body = frame.hello;
    if (this.#features.length === 0 && Array.isArray(body.server?.features)) {
      this.#features = body.server.features;
    }
    const resumed = resuming !== undefined && resuming.sessionId === body.sessionid;
    const session: SessionInfo = {
      sessionId: body.sessionid,
      resumeId: body.resumeid !== '' ? body.resumeid : (resuming?.resumeId ?? ''),
      userId: body.userid ?? '',
      version: hello.version === '2.0' ? '2.0' : '1.0',
      features: this.#features,
      resumed,
    };
    this.#session = session;
    this.#state = 'connected';
    this.#backoff.reset();
    const queued = this.#queue.splice(0);
    if (resumed) {
      for (const text of queued) {
        this.#socket?.send(text);
      }
    }
    this.#setStatus({ type: 'connected', session });
    safeEmit(this, this.#listenerError, 'connected', session);
    return session;
  }

  async #reconnect(): Promise<void> {
    while (this.#state === 'reconnecting') {
      const delay = this.#backoff.next();
      const attempt = this.#backoff.attempts;
      this.#setStatus({ type: 'reconnecting', attempt, delayMs: delay });
      safeEmit(this, this.#listenerError, 'reconnecting', attempt, delay);
      try {
        await sleep(delay, this.#abort.signal);
        await this.#establish();
        return;
      } catch (error) {
        if ((this.#state as State) === 'closed') {
          return;
        }
        this.#state = 'reconnecting';
        if (isFatalConnectFailure(error)) {
          await this.close(error as Error);
          return;
        }
        this.#logger.debug(`reconnect attempt ${attempt} failed: ${describeError(error)}`);
      }
    }
  }

  // ---- incoming frames ------------------------------------------------------------------------

  #onFrame(attempt: object, data: unknown): void {
    if (attempt !== this.#attempt) {
      return;
    }
    const text = messageText(data);
    let frame: ServerMessage | undefined;
    try {
      frame = text === undefined ? undefined : parseServerMessage(text);
    } catch (error) {
      this.#logger.warn(`ignoring bad signaling frame: ${describeError(error)}`);
      return;
    }
    if (frame !== undefined) {
      safeEmit(this, this.#listenerError, 'frame', frame);
      this.#dispatch(frame);
    }
  }

  #dispatch(frame: ServerMessage): void {
    const emit = <K extends keyof SignalingEvents & string>(
      event: K,
      ...args: SignalingEvents[K]
    ) => safeEmit(this, this.#listenerError, event, ...args);
    switch (frame.type) {
      case 'welcome':
        this.#features = frame.welcome.features ?? [];
        this.#welcome?.resolve();
        return;
      case 'error': {
        const { code, message, details } = frame.error;
        const error = new SignalingError(code, message, { details });
        const wrapped = new ClientError(
          'signaling',
          `signaling server refused: ${code} (${message})`,
          {
            cause: error,
          },
        );
        if (this.#requests.reject(frame.id, wrapped)) {
          return;
        }
        const sent = this.#requests.sentData(frame.id);
        if (sent !== undefined) {
          emit('messageError', error, sent);
        } else {
          emit('serverError', error);
        }
        return;
      }
      case 'hello':
      case 'room':
      case 'bye':
        if (this.#requests.resolve(frame.id, frame)) {
          return;
        }
        if (frame.type === 'room') {
          emit('room', frame.room);
        } else if (frame.type === 'bye') {
          this.#onServerBye(frame.bye.reason ?? '');
        }
        return;
      case 'message':
        emit(
          'message',
          frame.message.sender?.sessionid ?? '',
          frame.message.data,
          frame.message.sender,
        );
        return;
      case 'control':
        emit(
          'control',
          frame.control.sender?.sessionid ?? '',
          frame.control.data,
          frame.control.sender,
        );
        return;
      case 'event':
        emit('event', frame.event);
        return;
      case 'transient':
        emit('transient', frame.transient);
        return;
      case 'internal':
      case 'dialout':
        return;
    }
  }

  #onServerBye(reason: string): void {
    this.#logger.debug(`server said bye: ${reason}`);
    if (SESSION_ENDING_BYES.has(reason)) {
      this.#session = undefined;
    }
    safeEmit(this, this.#listenerError, 'bye', reason);
    if (reason === 'room_session_reconnected' || reason === 'session_resumed') {
      // Our Talk session (or signaling session) is now used by another connection: stop.
      void this.close(
        new ClientError('signaling', `the signaling server ended this session: ${reason}`),
      );
    }
  }

  #onSocketClosed(attempt: object, code: number, reason: string): void {
    if (attempt !== this.#attempt) {
      return;
    }
    this.#attempt = undefined;
    this.#socket = undefined;
    this.#welcome = undefined;
    this.#requests.rejectAll(new ClientError('unreachable', `signaling connection lost (${code})`));
    if (this.#state !== 'connected') {
      return;
    }
    this.#state = 'reconnecting';
    const why = reason === '' ? `socket closed (${code})` : `${reason} (${code})`;
    this.#setStatus({ type: 'disconnected', reason: why });
    safeEmit(this, this.#listenerError, 'disconnected', why);
    void this.#reconnect();
  }

  // ---- helpers --------------------------------------------------------------------------------

  #send(kind: 'message' | 'control', body: JsonObject, data: unknown): string {
    const id = this.#requests.nextId();
    this.#requests.remember(id, data);
    const text = JSON.stringify({ id, type: kind, [kind]: body });
    const socket = this.#socket;
    if (this.#state === 'connected' && socket?.readyState === OPEN) {
      socket.send(text);
    } else if (this.#state !== 'closed' && this.#queue.length < 1000) {
      this.#queue.push(text);
    }
    return id;
  }

  #dropSocket(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#attempt = undefined;
    if (socket !== undefined) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.onopen = null;
      socket.close(1000);
    }
  }

  #setStatus(status: SignalingStatus): void {
    this.#statuses.push(status);
  }

  readonly #listenerError = (error: unknown): void => {
    this.#logger.warn(`signaling listener threw: ${describeError(error)}`);
  };
}
