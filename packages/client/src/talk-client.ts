import { CallController } from './call-controller.js';
import { ChatFeed } from './chat-feed.js';
import { ChatApi } from './http/chat-api.js';
import type { TalkApi } from './http/talk-api.js';
import type { ChatMessage, TalkCapabilities, TalkRoom } from './http/talk-types.js';
import { type JoinedConversation, joinConversation } from './join-conversation.js';
import type { CallRecorder, RecordedTrack, RecorderOptions } from './media/call-recorder.js';
import type { MediaStack } from './media/media-stack.js';
import type { StreamSelection } from './media/sfu-calls.js';
import { platform } from './platform.js';
import { RoomPresence } from './room-presence.js';
import {
  mediaChange,
  type Participant,
  participantName,
  type RosterDiff,
} from './signaling/roster.js';
import type { SignalingConnection } from './signaling/signaling-connection.js';
import { TalkChat } from './talk-chat.js';
import type {
  AudioInput,
  CallOptions,
  TalkClientEvents,
  TalkClientOptions,
  TalkClientTimeouts,
  TalkStatus,
} from './talk-client-types.js';
import { AsyncBroadcast } from './util/async-queue.js';
import { ClientError, describeError } from './util/client-error.js';
import { EventEmitter } from './util/event-emitter.js';
import { isObject } from './util/json.js';
import { type ClientLogger, silentLogger } from './util/logger.js';
import { safeEmit } from './util/safe-emit.js';
import { deferred } from './util/timers.js';

const DEFAULT_TIMEOUTS: TalkClientTimeouts = {
  callRegistration: 10_000,
  mediaRetry: 10_000,
  signalingRequest: 10_000,
};

/**
 * A headless Talk participant: `await TalkClient.join(url, options)` does what the Talk web
 * client does, in the order the signaling server needs —
 * 1. load the public page (cookies, request token) and the capabilities;
 * 2. `POST participants/active` once → our Talk session id; set the guest name;
 * 3. signaling settings → WebSocket → welcome → hello (v2 token, else v1 ticket);
 * 4. signaling `room` join with the Talk session id, and WAIT for its answer.
 * `joinCall()` then posts `/call`, waits until the server lists our signaling session in the call,
 * and starts WebRTC (P2P or through the SFU). When the signaling session has to be replaced after
 * a network failure, steps 3–4 and the call join are repeated automatically.
 */
export class TalkClient extends EventEmitter<TalkClientEvents> {
  /** The conversation as returned when joining. */
  readonly room: TalkRoom;
  /** Talk capabilities of the server. */
  readonly capabilities: TalkCapabilities;
  /** The conversation token. */
  readonly token: string;
  /** Nextcloud base URL. */
  readonly baseUrl: string;
  /** Chat of the conversation. */
  readonly chat: TalkChat;
  readonly #joined: JoinedConversation;
  readonly #options: TalkClientOptions;
  readonly #logger: ClientLogger;
  readonly #timeouts: TalkClientTimeouts;
  readonly #statuses = new AsyncBroadcast<TalkStatus>();
  readonly #chatMessages = new AsyncBroadcast<ChatMessage>();
  readonly #closed = deferred<Error | undefined>();
  readonly #chatApi: ChatApi;
  #feed: ChatFeed | undefined;
  #presence: RoomPresence | undefined;
  #call: CallController | undefined;
  #recorder: CallRecorder | undefined;
  #state: 'open' | 'leaving' | 'closed' = 'open';
  #leaving: Promise<void> | undefined;

  /** Joins the conversation at `roomUrl` (and its signaling room); see the class docs. */
  static async join(roomUrl: string, options: TalkClientOptions = {}): Promise<TalkClient> {
    const joined = await joinConversation(roomUrl, options);
    const client = new TalkClient(joined, options);
    try {
      await client.#start();
    } catch (error) {
      await client.#shutdown(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    return client;
  }

  private constructor(joined: JoinedConversation, options: TalkClientOptions) {
    super();
    this.#joined = joined;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.room = joined.room;
    this.capabilities = joined.capabilities;
    this.token = joined.url.token;
    this.baseUrl = joined.url.baseUrl;
    this.#chatApi = new ChatApi(joined.api);
    if (options.onStatus !== undefined) {
      this.on('status', options.onStatus);
    }
    this.chat = new TalkChat(
      this.#chatApi,
      () => (this.room.actorType === 'users' ? undefined : this.#options.name),
      this.#chatMessages,
    );
  }

  // ---- state ----------------------------------------------------------------------------------

  /** Our Talk session id (from `participants/active`; renewed if Talk ended it). */
  get talkSessionId(): string {
    return this.#presence?.talkSessionId ?? this.room.sessionId;
  }

  /** Our signaling session id (undefined without signaling). */
  get sessionId(): string | undefined {
    return this.#presence?.conn.session?.sessionId;
  }

  /** Our actor id in chat (`actorType` is `users` or `guests`). */
  get actorId(): string {
    return this.room.actorId;
  }

  /** Our display name (the `name` option, else the user's name, else the actor id). */
  get displayName(): string {
    return this.#options.name ?? this.#joined.api.userDisplayName ?? this.room.actorId;
  }

  /** The other participants the signaling server told us about. */
  get participants(): Participant[] {
    return this.#presence?.roster.others() ?? [];
  }

  /** Whether the signaling server lists us in the call. */
  get inCall(): boolean {
    return this.#call?.active === true && this.#presence?.roster.selfInCall === true;
  }

  /** The signaling connection (undefined with `signaling: false`). */
  get signaling(): SignalingConnection | undefined {
    return this.#presence?.conn;
  }

  /** The Talk OCS endpoints of this conversation, with this client's cookies (advanced use). */
  get api(): TalkApi {
    return this.#joined.api;
  }

  /** The call controller (undefined before the first `joinCall`). */
  get call(): CallController | undefined {
    return this.#call;
  }

  /** Every status change from now on, until closed (for `for await`). */
  status(): AsyncIterableIterator<TalkStatus> {
    return this.#statuses.subscribe();
  }

  /** Resolves when the client is closed, with the error that closed it (undefined after `leave()`). */
  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  // ---- call -----------------------------------------------------------------------------------

  /** Joins the call and resolves once the signaling server lists us in it (media then starts). */
  async joinCall(options: CallOptions = {}): Promise<void> {
    const presence = this.#requireOpen();
    this.#call ??= this.#createCall(presence);
    await this.#call.join(options);
  }

  /** Leaves the call (stays in the conversation). */
  async leaveCall(): Promise<void> {
    await this.#call?.leave();
  }

  /** Changes what we send into the call. */
  async play(input: AudioInput): Promise<void> {
    if (this.#call === undefined) {
      throw ClientError.invalidState('not in a call');
    }
    await this.#call.play(input);
  }

  /**
   * Starts writing every participant's received audio to `<dir>/<name>-<id>.wav`, and with
   * `video: true` their cameras and screens to `<name>-<id>-video.y4m` / `-screen.y4m` (join the
   * call with `receiveVideo`). Node only; in a browser listen to `audioFrame` / `videoFrame`.
   */
  record(dir: string, options: RecorderOptions = {}): CallRecorder {
    if (this.#recorder !== undefined) {
      throw ClientError.invalidState(`already recording to ${this.#recorder.dir}`);
    }
    this.#recorder = platform().createRecorder(dir, (message) => this.#warn(message), options);
    return this.#recorder;
  }

  /**
   * Asks the SFU to forward another simulcast layer of a participant's camera to us (`substream`
   * 0 = lowest resolution); false when there is no SFU subscription to them.
   */
  selectStream(sessionId: string, selection: StreamSelection): boolean {
    return this.#call?.selectStream(sessionId, selection) ?? false;
  }

  /** Finishes the WAV files; resolves with what was recorded. */
  async stopRecording(): Promise<RecordedTrack[]> {
    const recorder = this.#recorder;
    this.#recorder = undefined;
    return recorder === undefined ? [] : recorder.close();
  }

  // ---- leaving --------------------------------------------------------------------------------

  /**
   * Leaves cleanly: `DELETE /call`, signaling room leave, `DELETE participants/active`, `bye`.
   * Idempotent; never rejects.
   */
  leave(): Promise<void> {
    this.#leaving ??= (async () => {
      if (this.#state !== 'open') {
        await this.closed;
        return;
      }
      this.#state = 'leaving';
      await this.stopRecording().catch(() => undefined);
      const step = async (what: string, run: () => Promise<void>): Promise<void> => {
        try {
          await run();
        } catch (error) {
          this.#logger.warn(`leave: ${what} failed: ${describeError(error)}`);
        }
      };
      await step('leaving the call', async () => this.#call?.leave());
      this.#call?.close();
      await step('leaving the signaling room', async () => this.#presence?.leaveRoom());
      await step('leaving the conversation', () => this.#joined.api.leaveConversation());
      await step('closing signaling', async () => this.#presence?.close());
      await this.#finish(undefined);
    })();
    return this.#leaving;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.leave();
  }

  // ---- internals ------------------------------------------------------------------------------

  async #start(): Promise<void> {
    if (this.#options.receiveChat !== false) {
      const lastId = await this.#lastMessageId();
      this.#feed = new ChatFeed(this.#chatApi, lastId, (m) => this.#onChatMessage(m), this.#logger);
    }
    if (this.#options.signaling === false) {
      void this.#feed?.poll();
      return;
    }
    const presence = new RoomPresence({
      api: this.#joined.api,
      baseUrl: this.baseUrl,
      talkSessionId: this.room.sessionId,
      password: this.#options.password,
      ...(this.#options.webSocket === undefined ? {} : { webSocket: this.#options.webSocket }),
      ...(this.#options.backoff === undefined ? {} : { backoff: this.#options.backoff }),
      requestTimeoutMs: this.#timeouts.signalingRequest,
      logger: this.#logger,
    });
    this.#presence = presence;
    presence.on('status', (status) => this.#status(status));
    presence.on('rosterChanged', (diff) => this.#onRosterDiff(diff));
    presence.on('chat', (data) => this.#feed?.handleRoomMessage(data));
    presence.on('signal', (from, signal) => this.#call?.handleSignal(from, signal));
    presence.on('messageError', (error, data) => this.#call?.handleMessageError(error, data));
    presence.on('warning', (message) => this.#warn(message));
    presence.on('ended', (error) => void this.#shutdown(error));
    presence.on('sessionReplaced', () => {
      void this.#feed?.catchUp();
      this.#call?.rejoin().catch((error: unknown) => {
        if (this.#state === 'open') {
          this.#warn(`could not rejoin the call: ${describeError(error)}`);
          presence.conn.dropConnection();
        }
      });
    });
    await presence.start(this.#options.signal);
  }

  async #lastMessageId(): Promise<number> {
    const last = this.room.raw.lastMessage;
    if (isObject(last) && typeof last.id === 'number') {
      return last.id;
    }
    const history = await this.#chatApi.history({ limit: 1 }).catch(() => []);
    return history.at(-1)?.id ?? 0;
  }

  #onRosterDiff(diff: RosterDiff): void {
    const own = this.#presence?.roster.ownSessionId;
    for (const p of diff.joined) {
      if (p.sessionId !== own) {
        this.#status({ type: 'participantJoined', participant: p });
        safeEmit(this, this.#listenerError, 'participantJoined', p);
      }
    }
    for (const p of diff.left) {
      this.#status({ type: 'participantLeft', participant: p });
      safeEmit(this, this.#listenerError, 'participantLeft', p);
    }
    for (const change of diff.callChanged) {
      const { participant, before } = change;
      if (participant.sessionId !== own) {
        const media = mediaChange(change, own);
        if (media !== undefined) {
          this.#status({ type: 'participantMedia', participant, ...media });
        }
        safeEmit(this, this.#listenerError, 'participantCallChanged', participant, before);
      }
    }
    this.#call?.handleRosterChange(diff);
  }

  #createCall(presence: RoomPresence): CallController {
    const call = new CallController({
      api: this.#joined.api,
      conn: presence.conn,
      roster: presence.roster,
      loadStack: () => this.#loadStack(),
      nick: () => this.displayName,
      timeouts: this.#timeouts,
      logger: this.#logger,
    });
    call.on('joined', (mode) => {
      this.#status({ type: 'inCall', mode });
      safeEmit(this, this.#listenerError, 'callJoined');
    });
    call.on('left', (reason) => {
      this.#status({ type: 'callLeft', reason });
      safeEmit(this, this.#listenerError, 'callLeft', reason);
    });
    call.on('peerConnected', (id, role) => {
      const participant = this.#participant(id);
      this.#status({ type: 'peerConnected', participant, role });
      safeEmit(this, this.#listenerError, 'peerConnected', participant, role);
    });
    call.on('peerRetrying', (id, attempt, reason) => {
      this.#status({ type: 'peerRetrying', participant: this.#participant(id), attempt, reason });
    });
    call.on('peerFailed', (id, reason) => {
      const participant = this.#participant(id);
      this.#status({ type: 'peerFailed', participant, reason });
      safeEmit(this, this.#listenerError, 'peerFailed', participant, reason);
    });
    call.on('receiving', (id) => {
      const participant = this.#participant(id);
      this.#status({ type: 'receiving', participant });
      safeEmit(this, this.#listenerError, 'receiving', participant);
    });
    call.on('audioFrame', (id, samples) => {
      const participant = this.#participant(id);
      this.#recorder?.write(id, participantName(participant), samples);
      safeEmit(this, this.#listenerError, 'audioFrame', participant, samples);
    });
    call.on('receivingVideo', (id, roomType) => {
      this.#status({ type: 'receivingVideo', participant: this.#participant(id), roomType });
    });
    call.on('videoFrame', (id, roomType, frame) => {
      const participant = this.#participant(id);
      this.#recorder?.writeVideo(id, participantName(participant), roomType, frame);
      safeEmit(this, this.#listenerError, 'videoFrame', participant, frame, roomType);
    });
    call.on('warning', (message) => this.#warn(message));
    return call;
  }

  async #loadStack(): Promise<MediaStack> {
    const media = this.#options.media;
    if (media === undefined) {
      return platform().loadMediaStack();
    }
    return typeof media === 'function' ? media() : media;
  }

  #participant(sessionId: string): Participant {
    return this.#presence?.roster.get(sessionId) ?? { sessionId, inCall: 0 };
  }

  #requireOpen(): RoomPresence {
    if (this.#state !== 'open') {
      throw ClientError.closed('joinCall');
    }
    if (this.#presence === undefined) {
      throw ClientError.invalidState('calls need signaling (joined with signaling: false)');
    }
    return this.#presence;
  }

  #onChatMessage(message: ChatMessage): void {
    this.#chatMessages.push(message);
    safeEmit(this, this.#listenerError, 'chatMessage', message);
  }

  #warn(message: string): void {
    this.#logger.warn(message);
    this.#status({ type: 'warning', message });
    safeEmit(this, this.#listenerError, 'warning', message);
  }

  #status(status: TalkStatus): void {
    this.#statuses.push(status);
    safeEmit(this, this.#listenerError, 'status', status);
  }

  /** Closes because of `error`: stops media and signaling, leaves the conversation if possible. */
  async #shutdown(error: Error): Promise<void> {
    if (this.#state !== 'open') {
      return;
    }
    this.#state = 'leaving';
    this.#logger.debug(`closing: ${describeError(error)}`);
    this.#call?.close();
    await this.stopRecording().catch(() => undefined);
    await this.#presence?.close(error);
    await this.#joined.api.leaveConversation().catch(() => undefined);
    await this.#finish(error);
  }

  async #finish(error: Error | undefined): Promise<void> {
    if (this.#state === 'closed') {
      return;
    }
    this.#state = 'closed';
    this.#feed?.close();
    const stack = this.#call?.stack;
    this.#call = undefined;
    await stack?.release?.().catch(() => undefined);
    this.#status(error === undefined ? { type: 'closed' } : { type: 'closed', error });
    this.#statuses.end();
    this.#chatMessages.end();
    this.#closed.resolve(error);
    safeEmit(this, this.#listenerError, 'closed', error);
  }

  readonly #listenerError = (error: unknown): void => {
    this.#logger.warn(`a TalkClient listener threw: ${describeError(error)}`);
  };
}
