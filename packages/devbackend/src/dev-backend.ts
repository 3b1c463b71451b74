import { EventEmitter } from 'node:events';
import type { HelloV2Claims } from '@spreed-ts/protocol';
import { TicketIssuer } from './auth/tickets.js';
import { TokenSigner } from './auth/token-signer.js';
import type {
  AttendeeRef,
  DevBackendEvents,
  DevBackendOptions,
  HelloV2TokenOverrides,
  JoinedSession,
  MessageAuthor,
  RoomChanges,
} from './dev-backend-types.js';
import { DevHttpServer } from './http/http-server.js';
import { Router } from './http/router.js';
import { ChatFormatter } from './model/chat-formatter.js';
import { ChatLog } from './model/chat-log.js';
import { LobbyStates, type ParticipantType, RoomTypes } from './model/constants.js';
import { ModelError } from './model/model-error.js';
import { ParticipantService } from './model/participant-service.js';
import { ALPHANUMERIC_CHARS, nowSeconds, randomString } from './model/random.js';
import { SystemMessageListener } from './model/system-message-listener.js';
import { type CreateRoomOptions, TalkModel } from './model/talk-model.js';
import type {
  Attendee,
  ChatMessage,
  DevRoom,
  DevUser,
  Participant,
  TalkSession,
} from './model/types.js';
import { type AddUserOptions, UserDirectory } from './model/user-directory.js';
import { defaultCallAppBundle, registerCallApp } from './routes/call-app.js';
import { registerCallRoutes } from './routes/call-routes.js';
import { passesOcsChecks } from './routes/caller.js';
import { registerCapabilities } from './routes/capabilities.js';
import { registerChatRoutes } from './routes/chat-routes.js';
import { registerPages } from './routes/pages.js';
import { registerRoomRoutes } from './routes/room-routes.js';
import type { RecordedBackendRequest, RouteDeps, RouteSettings } from './routes/route-deps.js';
import { registerSettings } from './routes/settings.js';
import { registerSignalingBackend } from './routes/signaling-backend.js';
import { type BackendFault, FaultInjector, type FaultOptions } from './signaling/fault-injector.js';
import type { BackendNotification } from './signaling/notification-types.js';
import { type RecordedNotification, SignalingNotifier } from './signaling/notifier.js';
import { Recorder } from './signaling/recorder.js';
import { TalkListener } from './signaling/talk-listener.js';

function describeBackendRequest(request: RecordedBackendRequest): string {
  const body = request.body as { room?: { action?: string; roomid?: string } } | undefined;
  const room =
    request.type === 'room' ? ` ${body?.room?.action ?? 'join'} ${body?.room?.roomid}` : '';
  return `${request.type ?? 'unparsable'}${room}${request.checksumValid ? '' : ' (bad checksum)'}`;
}

/**
 * The Talk development backend: the slice of Nextcloud + Talk that a signaling server and a Talk
 * client talk to, in memory, on one HTTP port. Tests script it through the methods below and
 * assert on what the signaling server asked ({@link backendRequests}) and was told
 * ({@link notifications}).
 */
export class DevBackend extends EventEmitter<DevBackendEvents> {
  readonly #options: DevBackendOptions;
  readonly #secret: string;
  readonly #users = new UserDirectory();
  readonly #model = new TalkModel(this.#users);
  readonly #participants = new ParticipantService(this.#model);
  readonly #chat = new ChatLog();
  readonly #formatter = new ChatFormatter(this.#model);
  readonly #tickets = new TicketIssuer(this.#users);
  readonly #signer: TokenSigner;
  readonly #notifier: SignalingNotifier;
  readonly #listener: TalkListener;
  readonly #requests = new Recorder<RecordedBackendRequest>('backend request');
  readonly #notifications = new Recorder<RecordedNotification>('notification');
  readonly #faults = new FaultInjector();
  readonly #router = new Router();
  readonly #settings: RouteSettings;
  readonly #deps: RouteDeps;
  readonly #http: DevHttpServer;

  constructor(options: DevBackendOptions = {}) {
    super();
    this.#options = options;
    this.#secret = options.secret ?? randomString(48, ALPHANUMERIC_CHARS);
    this.#signer = new TokenSigner(options.jwtAlgorithm ?? 'ES256', options.jwtPrivateKey);
    this.#notifier = new SignalingNotifier({
      secret: () => this.#secret,
      backendUrl: () => this.url,
      ...(options.notifyTimeoutMs === undefined ? {} : { timeoutMs: options.notifyTimeoutMs }),
    });
    this.#notifier.signalingUrl = options.signalingUrl;
    // Registered before the signaling listener: Talk posts `call_started` before it notifies the
    // signaling server of the in-call change.
    new SystemMessageListener(this.#model, this.#chat);
    this.#listener = new TalkListener(this.#model, this.#chat, this.#notifier, this.#formatter);
    this.#listener.chatRelay = options.chatRelay ?? true;
    this.#listener.on('notification', (record) => {
      this.#log(`-> ${record.body.type} ${record.token} (${record.status ?? '-'})`);
      this.#notifications.push(record);
      this.emit('notification', record);
    });
    this.#listener.on('notificationFailed', (error) => {
      this.#log(`notification failed: ${error.message}`);
      this.#notifications.push(error.notification);
      this.emit('notificationFailed', error);
    });
    this.#requests.on('record', (request) => {
      this.#log(`<- ${describeBackendRequest(request)}`);
      this.emit('backendRequest', request);
    });
    this.#settings = {
      baseUrl: () => this.url,
      secrets: () => [this.#secret, ...(options.additionalSecrets ?? [])],
      signalingUrl: () => this.#notifier.signalingUrl,
      signalingV3: options.signalingV3 ?? true,
      stunServers: options.stunServers ?? [],
      turnServers: options.turnServers ?? [],
      capabilitiesCacheControl:
        options.capabilitiesCacheControl ?? 'no-cache, no-store, must-revalidate',
      requireOcsApiRequest: options.requireOcsApiRequest ?? true,
      nextcloudVersion: options.nextcloudVersion ?? '31.0.0',
      talkVersion: '21.0.0',
      callAppBundle:
        options.callAppBundle === false
          ? undefined
          : (options.callAppBundle ?? defaultCallAppBundle()),
    };
    const deps: RouteDeps = {
      model: this.#model,
      participants: this.#participants,
      chat: this.#chat,
      formatter: this.#formatter,
      tickets: this.#tickets,
      signer: this.#signer,
      listener: this.#listener,
      recorder: this.#requests,
      faults: this.#faults,
      settings: this.#settings,
      helloV2Token: (userId) => this.helloV2Token(userId),
    };
    this.#deps = deps;
    this.#http = new DevHttpServer({
      router: this.#router,
      model: this.#model,
      cookieName: options.cookieName ?? 'nc_session_id',
      ocsChecks: (ctx) => passesOcsChecks(this.#deps, ctx),
      log: (message) => this.#log(message),
    });
    registerSignalingBackend(this.#router, deps);
    registerCapabilities(this.#router, deps);
    registerSettings(this.#router, deps);
    registerRoomRoutes(this.#router, deps);
    registerCallRoutes(this.#router, deps);
    registerChatRoutes(this.#router, deps);
    registerPages(this.#router, deps);
    registerCallApp(this.#router, deps);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** Starts listening (127.0.0.1 and a free port unless configured). */
  async start(): Promise<void> {
    const url = await this.#http.listen(this.#options.host ?? '127.0.0.1', this.#options.port ?? 0);
    this.#log(`devbackend listening on ${url}`);
  }

  /** Stops listening and ends pending long-polls; idempotent. */
  async close(): Promise<void> {
    this.#chat.wakeAll();
    await this.#http.close();
  }

  /** Closes the backend at the end of an `await using` scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The base URL with trailing slash, e.g. `http://127.0.0.1:40123/`. */
  get url(): string {
    const url = this.#http.url;
    if (url === undefined) {
      throw new Error('DevBackend not started');
    }
    return url;
  }

  /** The shared secret used for checksums in both directions. */
  get secret(): string {
    return this.#secret;
  }

  /** The signaling server this backend notifies and hands to clients, if set. */
  get signalingUrl(): string | undefined {
    return this.#notifier.signalingUrl;
  }

  /** Sets (or with undefined clears) the signaling server URL. */
  setSignalingUrl(url: string | undefined): void {
    this.#notifier.signalingUrl = url;
  }

  /** The hello v2 public key exactly as published in the capabilities. */
  get publicKey(): string {
    return this.#signer.publicKey;
  }

  /** The hello v2 signing algorithm. */
  get jwtAlgorithm(): string {
    return this.#signer.algorithm;
  }

  // ---- users and rooms -----------------------------------------------------------------------

  /** Adds a user; `appPassword` is accepted for Basic auth. */
  addUser(id: string, options: AddUserOptions = {}): Readonly<DevUser> {
    return this.#users.add(id, options);
  }

  /** Creates a conversation (public by default). */
  createRoom(options: CreateRoomOptions = {}): Readonly<DevRoom> {
    return this.#model.createRoom(options);
  }

  /** A conversation by token. */
  room(token: string): Readonly<DevRoom> | undefined {
    return this.#model.room(token);
  }

  /** Changes room properties; each change notifies `update` (or `participants`) like Talk. */
  updateRoom(token: string, changes: RoomChanges): void {
    const room = this.#model.requireRoom(token);
    const m = this.#model;
    if (changes.name !== undefined) {
      m.modifyRoom(room, 'name', changes.name, 'name');
    }
    if (changes.description !== undefined) {
      m.modifyRoom(room, 'description', changes.description, 'description');
    }
    if (changes.readOnly !== undefined) {
      m.modifyRoom(room, 'readOnly', changes.readOnly ? 1 : 0, 'readOnly');
    }
    if (changes.lobby !== undefined) {
      const state = changes.lobby ? LobbyStates.nonModerators : LobbyStates.none;
      m.modifyRoom(room, 'lobbyState', state, 'lobby');
    }
    if (changes.password !== undefined) {
      m.modifyRoom(room, 'password', changes.password, 'password');
    }
    if (changes.type !== undefined) {
      const type = changes.type === 'group' ? RoomTypes.group : RoomTypes.public;
      m.modifyRoom(room, 'type', type, 'type');
    }
  }

  /** Sets the conversation default permissions (0 = instance default); notifies `participants`. */
  setDefaultPermissions(token: string, permissions: number): void {
    const room = this.#model.requireRoom(token);
    this.#model.modifyRoom(room, 'defaultPermissions', permissions, 'defaultPermissions');
  }

  /** Deletes a conversation; notifies `delete`. */
  deleteRoom(token: string): void {
    this.#model.deleteRoom(this.#model.requireRoom(token));
  }

  /** Invites a user (notifies `invite`). */
  addParticipant(
    token: string,
    userId: string,
    options: { participantType?: ParticipantType } = {},
  ): Readonly<Attendee> {
    const room = this.#model.requireRoom(token);
    const [added] = this.#model.addUsers(room, [
      { userId, ...(options.participantType === undefined ? {} : options) },
    ]);
    return added ?? this.#attendee(room, userId);
  }

  /** Removes an attendee with its sessions (notifies `disinvite`). */
  removeParticipant(token: string, who: AttendeeRef): void {
    const room = this.#model.requireRoom(token);
    this.#model.removeAttendee(room, this.#attendee(room, who));
  }

  /** Changes an attendee's participant type (notifies `update` and `participants`). */
  setParticipantType(token: string, who: AttendeeRef, type: ParticipantType): void {
    const room = this.#model.requireRoom(token);
    this.#model.setParticipantType(room, this.#attendee(room, who), type);
  }

  /** Sets attendee permissions (bitmask, 0 = default; notifies `participants`). */
  setPermissions(token: string, who: AttendeeRef, permissions: number): void {
    const room = this.#model.requireRoom(token);
    this.#model.setAttendeePermissions(room, this.#attendee(room, who), permissions);
  }

  /** Attendees of a conversation. */
  attendees(token: string): readonly Readonly<Attendee>[] {
    return this.#model.attendeesOf(this.#model.requireRoom(token));
  }

  /** Talk sessions of a conversation. */
  sessions(token: string): readonly Readonly<TalkSession>[] {
    const room = this.#model.requireRoom(token);
    return this.#model.participantsOf(room, false).flatMap((p) => (p.session ? [p.session] : []));
  }

  /** A Talk session by id. */
  session(sessionId: string): Readonly<TalkSession> | undefined {
    return this.#model.session(sessionId);
  }

  // ---- sessions, calls, chat -----------------------------------------------------------------

  /**
   * Joins a conversation without HTTP, like `participants/active` would: as a user, or as a new
   * guest when `userId` is omitted. Returns the new Talk session.
   */
  joinRoom(token: string, options: { userId?: string; password?: string } = {}): JoinedSession {
    const room = this.#model.requireRoom(token);
    const p =
      options.userId === undefined
        ? this.#participants.joinRoomAsGuest(room, options.password ?? '', true)
        : this.#participants.joinRoomAsUser(room, options.userId, options.password ?? '', true);
    const session = p.session as TalkSession;
    return {
      sessionId: session.sessionId,
      attendeeId: p.attendee.id,
      actorType: p.attendee.actorType,
      actorId: p.attendee.actorId,
      participantType: p.attendee.participantType,
    };
  }

  /** Ends a Talk session like `DELETE participants/active`. */
  leaveRoom(sessionId: string): void {
    this.#participants.leaveRoomAsSession(this.#participantOf(sessionId));
  }

  /** Sets in-call flags like `POST /call` (0 leaves the call); notifies `incall`. */
  setInCall(sessionId: string, flags: number): void {
    const participant = this.#participantOf(sessionId);
    if (flags === 0) {
      this.#participants.leaveCall(participant);
    } else {
      this.#participants.joinCall(participant, flags);
    }
  }

  /** Ends the call for everyone; notifies `incall` with `all: true`. */
  endCallForEveryone(token: string): void {
    this.#participants.endCallForEveryone(this.#model.requireRoom(token));
  }

  /** Posts a chat message (notifies `message`). */
  postMessage(
    token: string,
    text: string,
    author: MessageAuthor = { bot: 'devbackend' },
  ): ChatMessage {
    const room = this.#model.requireRoom(token);
    let actor: { actorType: string; actorId: string; actorDisplayName: string };
    if ('userId' in author) {
      const user = this.#users.require(author.userId);
      actor = { actorType: 'users', actorId: user.id, actorDisplayName: user.displayName };
    } else if ('sessionId' in author) {
      const { attendee } = this.#participantOf(author.sessionId);
      actor = {
        actorType: attendee.actorType === 'users' ? 'users' : 'guests',
        actorId: attendee.actorId,
        actorDisplayName: attendee.displayName,
      };
    } else {
      actor = {
        actorType: 'bots',
        actorId: author.bot,
        actorDisplayName: author.displayName ?? author.bot,
      };
    }
    room.lastActivity = nowSeconds();
    return this.#chat.post({ token, message: text, ...actor });
  }

  /**
   * Chat messages of a conversation, oldest first, as Talk's chat API returns them to someone who
   * took no part in them (system messages rendered, mentions as parameters).
   */
  messages(token: string): readonly ChatMessage[] {
    return this.#chat.messages(token).map((m) => this.#formatter.format(m));
  }

  /** How many chat requests long-polled (waited for new messages) so far. */
  get chatLongPolls(): number {
    return this.#chat.longPolls;
  }

  /** Tells sessions to switch rooms (notifies `switchto`, breakout rooms). */
  switchTo(token: string, targetToken: string, sessions: string[] | Record<string, unknown>): void {
    this.#listener.switchToRoom(this.#model.requireRoom(token), targetToken, sessions);
  }

  /** Sends an arbitrary `message` notification (e.g. `{type: "recording", …}`). */
  sendRoomMessage(token: string, data: Record<string, unknown>): void {
    this.#listener.sendRoomMessage(this.#model.requireRoom(token), data);
  }

  /** Sends any notification body as is. */
  notify(token: string, body: BackendNotification): void {
    this.#listener.enqueue(token, body);
  }

  /** Resolves when every notification queued so far has been delivered or has failed. */
  flushNotifications(): Promise<void> {
    return this.#listener.settled();
  }

  // ---- tokens --------------------------------------------------------------------------------

  /** A hello v1 ticket for a user, or for guests with null. */
  ticketFor(userId: string | null): string {
    return this.#tickets.ticketFor(userId);
  }

  /**
   * A hello v2 token with Talk's claims: `iss` = base URL, `iat` = now, `exp` = iat + 60, and for
   * users `sub` and `userdata.displayname`. `overrides` replace single claims.
   */
  helloV2Token(userId: string | null, overrides: HelloV2TokenOverrides = {}): string {
    const iat = overrides.iat ?? nowSeconds();
    const claims: HelloV2Claims = { iss: this.url, iat, exp: iat + 60 };
    if (userId !== null && userId !== '') {
      const user = this.#users.require(userId);
      claims.sub = user.id;
      claims.userdata = { displayname: user.displayName };
    }
    return this.#signer.sign({ ...claims, ...overrides });
  }

  // ---- recording and faults ------------------------------------------------------------------

  /** Requests the signaling server sent to the backend endpoint, in arrival order. */
  get backendRequests(): readonly RecordedBackendRequest[] {
    return this.#requests.entries;
  }

  /** Notifications sent to the signaling server (including failed ones), in order. */
  get notifications(): readonly RecordedNotification[] {
    return this.#notifications.entries;
  }

  /** Waits for a backend request matching `predicate` (already recorded ones count). */
  waitForBackendRequest(
    predicate: (request: RecordedBackendRequest) => boolean,
    timeoutMs = 5000,
  ): Promise<RecordedBackendRequest> {
    return this.#requests.waitFor(predicate, timeoutMs);
  }

  /** Waits for a notification matching `predicate` (already recorded ones count). */
  waitForNotification(
    predicate: (notification: RecordedNotification) => boolean,
    timeoutMs = 5000,
  ): Promise<RecordedNotification> {
    return this.#notifications.waitFor(predicate, timeoutMs);
  }

  /** Forgets recorded backend requests and notifications. */
  clearRecorded(): void {
    this.#requests.clear();
    this.#notifications.clear();
  }

  /** Makes the backend endpoint misbehave: HTTP errors, garbage, delays. */
  injectFault(fault: BackendFault, options: FaultOptions = {}): void {
    this.#faults.inject(fault, options);
  }

  /** Removes all injected faults. */
  clearFaults(): void {
    this.#faults.clear();
  }

  // ---- internals -----------------------------------------------------------------------------

  #attendee(room: DevRoom, who: AttendeeRef): Attendee {
    const attendee =
      typeof who === 'number'
        ? this.#model.attendee(who)
        : this.#model.attendeeByActor(room, 'users', who);
    if (attendee === undefined || attendee.roomToken !== room.token) {
      throw new ModelError('participant_not_found', `no attendee ${who} in ${room.token}`);
    }
    return attendee;
  }

  #participantOf(sessionId: string): Participant {
    const session = this.#model.session(sessionId);
    const room = session === undefined ? undefined : this.#model.room(session.roomToken);
    const participant =
      room === undefined ? undefined : this.#model.participantBySession(room, sessionId);
    if (participant === undefined) {
      throw new ModelError('participant_not_found', `no session ${sessionId.slice(0, 12)}…`);
    }
    return participant;
  }

  #log(message: string): void {
    this.#options.log?.(message);
  }
}
