import type { EventBody, SignalingError } from '@spreed-ts/protocol';
import type { TalkApi } from './http/talk-api.js';
import { type CallSignal, receiveCallSignal } from './media/call-signals.js';
import { Roster, type RosterDiff } from './signaling/roster.js';
import { SignalingConnection } from './signaling/signaling-connection.js';
import type { SessionInfo } from './signaling/signaling-types.js';
import type { WebSocketFactory } from './signaling/web-socket.js';
import type { TalkStatus } from './talk-client-types.js';
import { ClientError, describeError } from './util/client-error.js';
import { EventEmitter } from './util/event-emitter.js';
import type { ClientLogger } from './util/logger.js';
import { safeEmit } from './util/safe-emit.js';
import type { BackoffOptions } from './util/timers.js';

/** Events of a {@link RoomPresence}. */
export type RoomPresenceEvents = {
  /** A step or change worth a status line. */
  status: [status: TalkStatus];
  /** The roster changed (joins, leaves, in-call flags). */
  rosterChanged: [diff: RosterDiff];
  /** The `data` of a room `message` event (chat relay or refresh). */
  chat: [data: unknown];
  /** WebRTC signaling (or nick, mute …) from another session. */
  signal: [from: string, signal: CallSignal];
  /** The server refused a message we sent. */
  messageError: [error: SignalingError, data: unknown];
  /** A new signaling session is in the room again: re-join the call, catch up on chat. */
  sessionReplaced: [];
  /** We were removed from the conversation, or signaling ended for good. */
  ended: [error: Error];
  warning: [message: string];
};

/** Options of a {@link RoomPresence}. */
export interface RoomPresenceOptions {
  api: TalkApi;
  /** Nextcloud base URL. */
  baseUrl: string;
  /** Our Talk session id from `participants/active`. */
  talkSessionId: string;
  /** The conversation password, to join again after the Talk session ended. */
  password: string | undefined;
  webSocket?: WebSocketFactory;
  backoff?: BackoffOptions;
  requestTimeoutMs: number;
  logger: ClientLogger;
}

/**
 * Our presence in the conversation on the signaling server: the signaling session, the room
 * join with our Talk session id (awaited: only its answer makes the server map our Talk session
 * to our signaling session, which the call join needs), and the roster. When the signaling
 * session has to be replaced it joins the room again — with a new Talk session if Talk ended the
 * old one meanwhile — and emits `sessionReplaced`.
 */
export class RoomPresence extends EventEmitter<RoomPresenceEvents> {
  readonly roster = new Roster();
  readonly conn: SignalingConnection;
  readonly #o: RoomPresenceOptions;
  #talkSessionId: string;
  #connectedOnce = false;
  #active = true;

  constructor(options: RoomPresenceOptions) {
    super();
    this.#o = options;
    this.#talkSessionId = options.talkSessionId;
    const api = options.api;
    this.conn = new SignalingConnection({
      backendUrl: options.baseUrl,
      fetchSettings: () => api.signalingSettings(),
      ...(options.webSocket === undefined ? {} : { webSocket: options.webSocket }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      timeouts: { request: options.requestTimeoutMs },
      logger: options.logger,
    });
    this.#wire();
  }

  /** Our current Talk session id (renewed when Talk ended the old one). */
  get talkSessionId(): string {
    return this.#talkSessionId;
  }

  /** Connects to the signaling server and joins the room. */
  async start(signal?: AbortSignal): Promise<void> {
    const settings = await this.#o.api.signalingSettings(signal);
    if (settings.signalingMode !== 'external') {
      throw new ClientError(
        'not_talk',
        `this Talk server uses ${settings.signalingMode} signaling; calls need a standalone signaling server (use signaling: false for chat)`,
      );
    }
    await this.conn.connect();
    await this.#joinRoom(false);
  }

  /** Leaves the signaling room (the owner leaves the conversation); no more `ended`. */
  async leaveRoom(): Promise<void> {
    this.#active = false;
    await this.conn.leaveRoom();
  }

  /** Closes the signaling session (bye); idempotent. */
  async close(error?: Error): Promise<void> {
    this.#active = false;
    await this.conn.close(error);
  }

  #wire(): void {
    const conn = this.conn;
    const emit = <K extends keyof RoomPresenceEvents & string>(
      event: K,
      ...args: RoomPresenceEvents[K]
    ) => safeEmit(this, this.#listenerError, event, ...args);
    conn.on('connected', (session) => this.#onConnected(session));
    conn.on('disconnected', (reason) => emit('status', { type: 'disconnected', reason }));
    conn.on('reconnecting', (attempt, delayMs) =>
      emit('status', { type: 'reconnecting', attempt, delayMs }),
    );
    conn.on('event', (event) => this.#onEvent(event));
    conn.on('message', (from, data) => {
      const signal = receiveCallSignal(this.roster, from, data);
      if (signal !== undefined) {
        emit('signal', from, signal);
      }
    });
    conn.on('messageError', (error, data) => emit('messageError', error, data));
    conn.on('room', (room) => {
      if (room.roomid === '') {
        this.#end(
          new ClientError('not_participant', 'the signaling server moved us out of the room'),
        );
      }
    });
    conn.on('closed', (error) => this.#end(error ?? ClientError.closed('signaling')));
  }

  #onConnected(session: SessionInfo): void {
    const emit = (status: TalkStatus) => safeEmit(this, this.#listenerError, 'status', status);
    if (!this.#connectedOnce) {
      this.#connectedOnce = true;
      this.roster.reset(session.sessionId);
      emit({
        type: 'connected',
        sessionId: session.sessionId,
        hello: session.version,
        features: session.features,
      });
      return;
    }
    if (session.resumed) {
      emit({ type: 'reconnected', resumed: true });
      return;
    }
    this.roster.reset(session.sessionId);
    emit({ type: 'reconnected', resumed: false });
    this.#joinRoom(true).then(
      () => safeEmit(this, this.#listenerError, 'sessionReplaced'),
      (error: unknown) => {
        if (!this.#active) {
          return;
        }
        safeEmit(
          this,
          this.#listenerError,
          'warning',
          `could not rejoin the room: ${describeError(error)}`,
        );
        // Let the connection try again with another session.
        this.conn.dropConnection();
      },
    );
  }

  async #joinRoom(mayRenewTalkSession: boolean): Promise<void> {
    const token = this.#o.api.token;
    try {
      await this.conn.joinRoom(token, this.#talkSessionId);
    } catch (error) {
      if (!mayRenewTalkSession || !this.#active) {
        throw error;
      }
      // While we were away Talk may have ended our Talk session: join the conversation again.
      this.#o.logger.debug(`room re-join failed (${describeError(error)}); new Talk session`);
      const room = await this.#o.api.joinConversation(this.#o.password);
      this.#talkSessionId = room.sessionId;
      await this.conn.joinRoom(token, this.#talkSessionId);
    }
    safeEmit(this, this.#listenerError, 'status', { type: 'inRoom', room: token });
  }

  #onEvent(event: EventBody): void {
    if (event.target === 'room' && event.type === 'message') {
      safeEmit(this, this.#listenerError, 'chat', event.message?.data);
      return;
    }
    if (
      event.target === 'roomlist' &&
      event.type === 'disinvite' &&
      event.disinvite?.roomid === this.#o.api.token
    ) {
      this.#end(new ClientError('not_participant', 'removed from the conversation'));
      return;
    }
    if (event.target === 'room' && event.type === 'switchto') {
      const target = event.switchto?.roomid ?? '?';
      safeEmit(
        this,
        this.#listenerError,
        'warning',
        `asked to switch to ${target} (not supported)`,
      );
      return;
    }
    const diff = this.roster.apply(event);
    if (diff !== undefined) {
      safeEmit(this, this.#listenerError, 'rosterChanged', diff);
    }
  }

  #end(error: Error): void {
    if (this.#active) {
      this.#active = false;
      safeEmit(this, this.#listenerError, 'ended', error);
    }
  }

  readonly #listenerError = (error: unknown): void => {
    this.#o.logger.warn(`a presence listener threw: ${describeError(error)}`);
  };
}
