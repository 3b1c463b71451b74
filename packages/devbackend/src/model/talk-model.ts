import { EventEmitter } from 'node:events';
import {
  type ActorType,
  AttendeePermissions,
  LobbyStates,
  type ParticipantType,
  ParticipantTypes,
  type RoomType,
  RoomTypes,
} from './constants.js';
import { ModelError } from './model-error.js';
import { HUMAN_READABLE_CHARS, nowSeconds, randomString } from './random.js';
import type { Attendee, DevRoom, Participant, PhpSession, TalkSession } from './types.js';
import type { UserDirectory } from './user-directory.js';

/** Room properties whose change Talk reports (Talk `ARoomModifiedEvent::PROPERTY_*`). */
export type RoomProperty =
  | 'name'
  | 'description'
  | 'type'
  | 'readOnly'
  | 'listable'
  | 'lobby'
  | 'password'
  | 'defaultPermissions'
  | 'sipEnabled';

/** Participant properties whose change Talk reports. */
export type ParticipantProperty = 'inCall' | 'name' | 'type' | 'permissions';

/**
 * What happened in the model: the subset of Talk's PHP events its signaling listener reacts to.
 * Listeners run synchronously, so they see the state right after the change, like Talk's.
 */
export type TalkModelEvents = {
  /** New attendees (Talk `AttendeesAddedEvent`). */
  attendeesAdded: [room: DevRoom, attendees: Attendee[]];
  /** Attendees removed (Talk `AttendeesRemovedEvent`). */
  attendeesRemoved: [room: DevRoom, attendees: Attendee[]];
  /**
   * One attendee removed together with its sessions (Talk `AttendeeRemovedEvent`); `reason` is
   * `left` when a self-joined user's last session went away, else `removed`.
   */
  attendeeRemoved: [
    room: DevRoom,
    attendee: Attendee,
    sessions: TalkSession[],
    reason: 'left' | 'removed',
  ];
  /** A session left; `rejoining` when a newer session of the same client replaced it. */
  sessionLeftRoom: [
    room: DevRoom,
    attendee: Attendee,
    session: TalkSession | null,
    rejoining: boolean,
  ];
  /**
   * A participant changed; `endForEveryone` marks in-call changes of "end call for everyone",
   * `oldValue` is the in-call flags or participant type before the change (when known).
   */
  participantModified: [
    room: DevRoom,
    attendee: Attendee,
    session: TalkSession | null,
    property: ParticipantProperty,
    details: { endForEveryone: boolean; oldValue?: number },
  ];
  /** A room property changed (Talk `RoomModifiedEvent` / `LobbyModifiedEvent`). */
  roomModified: [room: DevRoom, property: RoomProperty, oldValue?: unknown];
  /** A room is about to be deleted; `userIds` are its user attendees. */
  beforeRoomDeleted: [room: DevRoom, userIds: string[]];
  /** A call is about to be ended for everyone by `actor` (null: by the development API). */
  callEndingForEveryone: [room: DevRoom, actor: Attendee | null];
  /** A moderator ended the call for everyone. */
  callEndedForEveryone: [room: DevRoom, callFlag: number, sessionIds: string[]];
};

/** Options for {@link TalkModel.createRoom}. */
export interface CreateRoomOptions {
  /** Defaults to a random 8 character token. */
  token?: string;
  /** Defaults to `public`. */
  type?: 'public' | 'group' | RoomType;
  /** Defaults to the token. */
  name?: string;
  description?: string;
  password?: string;
  /** Lobby for non-moderators. */
  lobby?: boolean;
  readOnly?: boolean;
  /** Conversation default permissions; 0 takes the instance default. */
  defaultPermissions?: number;
  /** A user that becomes the owner (must exist). */
  owner?: string;
}

/**
 * In-memory rooms, attendees, Talk sessions and PHP sessions, with the room- and attendee-level
 * operations of Talk's RoomService/ParticipantService. Session-level operations (join, leave, call)
 * live in `ParticipantService`.
 */
export class TalkModel extends EventEmitter<TalkModelEvents> {
  readonly users: UserDirectory;
  /** Permissions when neither attendee nor conversation sets any (Talk app config `default_permissions`). */
  instanceDefaultPermissions: number = AttendeePermissions.instanceDefault;
  readonly #rooms = new Map<string, DevRoom>();
  readonly #attendees = new Map<number, Attendee>();
  readonly #sessions = new Map<string, TalkSession>();
  readonly #phpSessions = new Map<string, PhpSession>();
  #nextRoomId = 1;
  #nextAttendeeId = 1;

  constructor(users: UserDirectory) {
    super();
    this.users = users;
  }

  // ---- rooms ---------------------------------------------------------------------------------

  /** Creates a conversation. */
  createRoom(options: CreateRoomOptions = {}): DevRoom {
    const token = options.token ?? randomString(8, HUMAN_READABLE_CHARS);
    if (this.#rooms.has(token)) {
      throw new TypeError(`room ${token} exists`);
    }
    const type: RoomType =
      options.type === 'group'
        ? RoomTypes.group
        : options.type === 'public' || options.type === undefined
          ? RoomTypes.public
          : options.type;
    const room: DevRoom = {
      id: this.#nextRoomId++,
      token,
      type,
      name: options.name ?? token,
      description: options.description ?? '',
      password: options.password ?? '',
      lobbyState: options.lobby === true ? LobbyStates.nonModerators : LobbyStates.none,
      lobbyTimer: null,
      readOnly: options.readOnly === true ? 1 : 0,
      listable: 0,
      defaultPermissions: options.defaultPermissions ?? AttendeePermissions.default,
      sipEnabled: 0,
      activeSince: null,
      callFlag: 0,
      lastActivity: nowSeconds(),
    };
    this.#rooms.set(token, room);
    if (options.owner !== undefined) {
      this.addUsers(room, [{ userId: options.owner, participantType: ParticipantTypes.owner }]);
    }
    return room;
  }

  /** The room with this token, if any. */
  room(token: string): DevRoom | undefined {
    return this.#rooms.get(token);
  }

  /** The room with this token; throws `room_not_found`. */
  requireRoom(token: string): DevRoom {
    const room = this.#rooms.get(token);
    if (room === undefined) {
      throw new ModelError('room_not_found', `no room ${token}`);
    }
    return room;
  }

  /** All rooms. */
  rooms(): DevRoom[] {
    return [...this.#rooms.values()];
  }

  /** Changes one room property and reports it. */
  modifyRoom<K extends keyof DevRoom>(
    room: DevRoom,
    key: K,
    value: DevRoom[K],
    property: RoomProperty,
  ): void {
    if (room[key] === value) {
      return;
    }
    const oldValue = room[key];
    (room as { [P in K]: DevRoom[P] })[key] = value;
    this.emit('roomModified', room, property, oldValue);
  }

  /** Deletes a room with all attendees and sessions. */
  deleteRoom(room: DevRoom): void {
    this.emit('beforeRoomDeleted', room, this.userIdsOf(room));
    for (const attendee of this.attendeesOf(room)) {
      for (const session of this.sessionsOf(attendee)) {
        this.#sessions.delete(session.sessionId);
      }
      this.#attendees.delete(attendee.id);
    }
    for (const php of this.#phpSessions.values()) {
      php.roomSessions.delete(room.token);
    }
    this.#rooms.delete(room.token);
  }

  // ---- attendees -----------------------------------------------------------------------------

  /** Attendees of a room, in creation order. */
  attendeesOf(room: DevRoom): Attendee[] {
    return [...this.#attendees.values()].filter((a) => a.roomToken === room.token);
  }

  /** User ids of the `users` attendees (Talk `getParticipantUserIds`). */
  userIdsOf(room: DevRoom): string[] {
    return this.attendeesOf(room)
      .filter((a) => a.actorType === 'users')
      .map((a) => a.actorId);
  }

  /** The attendee with this id, if any. */
  attendee(id: number): Attendee | undefined {
    return this.#attendees.get(id);
  }

  /** The attendee of `room` with this actor, if any. */
  attendeeByActor(room: DevRoom, actorType: string, actorId: string): Attendee | undefined {
    for (const attendee of this.#attendees.values()) {
      if (
        attendee.roomToken === room.token &&
        attendee.actorType === actorType &&
        attendee.actorId === actorId
      ) {
        return attendee;
      }
    }
    return undefined;
  }

  /** Creates an attendee without reporting it (callers report). */
  insertAttendee(
    room: DevRoom,
    actorType: ActorType,
    actorId: string,
    displayName: string,
    participantType: ParticipantType,
  ): Attendee {
    const attendee: Attendee = {
      id: this.#nextAttendeeId++,
      roomToken: room.token,
      actorType,
      actorId,
      displayName,
      participantType,
      permissions: AttendeePermissions.default,
      lastReadMessage: 0,
      lastJoinedCall: 0,
    };
    this.#attendees.set(attendee.id, attendee);
    return attendee;
  }

  /** Adds users as attendees (Talk `ParticipantService::addUsers`); existing ones are skipped. */
  addUsers(
    room: DevRoom,
    entries: readonly { userId: string; participantType?: ParticipantType }[],
  ): Attendee[] {
    const added: Attendee[] = [];
    for (const entry of entries) {
      const user = this.users.require(entry.userId);
      if (this.attendeeByActor(room, 'users', user.id) !== undefined) {
        continue;
      }
      added.push(
        this.insertAttendee(
          room,
          'users',
          user.id,
          user.displayName,
          entry.participantType ?? ParticipantTypes.user,
        ),
      );
    }
    if (added.length > 0) {
      this.emit('attendeesAdded', room, added);
    }
    return added;
  }

  /** Removes an attendee and its sessions (Talk `ParticipantService::removeAttendee`). */
  removeAttendee(room: DevRoom, attendee: Attendee, reason: 'left' | 'removed' = 'removed'): void {
    const sessions = this.sessionsOf(attendee);
    for (const session of sessions) {
      this.#sessions.delete(session.sessionId);
    }
    this.#attendees.delete(attendee.id);
    this.emit('attendeeRemoved', room, attendee, sessions, reason);
    this.emit('attendeesRemoved', room, [attendee]);
    this.resetCallStateWhenNeeded(room);
  }

  /** Changes the participant type (promote/demote). */
  setParticipantType(room: DevRoom, attendee: Attendee, type: ParticipantType): void {
    if (attendee.participantType === type) {
      return;
    }
    const oldValue = attendee.participantType;
    attendee.participantType = type;
    this.emit('participantModified', room, attendee, null, 'type', {
      endForEveryone: false,
      oldValue,
    });
  }

  /** Sets attendee-level permissions (0 = default). */
  setAttendeePermissions(room: DevRoom, attendee: Attendee, permissions: number): void {
    attendee.permissions = permissions;
    this.emit('participantModified', room, attendee, null, 'permissions', {
      endForEveryone: false,
    });
  }

  /** Sets the display name of an attendee (guests). */
  setDisplayName(room: DevRoom, attendee: Attendee, displayName: string): void {
    attendee.displayName = displayName;
    this.emit('participantModified', room, attendee, null, 'name', { endForEveryone: false });
  }

  // ---- sessions ------------------------------------------------------------------------------

  /** The Talk session with this id, if any. */
  session(sessionId: string): TalkSession | undefined {
    return this.#sessions.get(sessionId);
  }

  /** Sessions of one attendee. */
  sessionsOf(attendee: Attendee): TalkSession[] {
    return [...this.#sessions.values()].filter((s) => s.attendeeId === attendee.id);
  }

  /** Stores a session. */
  insertSession(session: TalkSession): void {
    this.#sessions.set(session.sessionId, session);
  }

  /** Forgets a session. */
  deleteSession(session: TalkSession): void {
    this.#sessions.delete(session.sessionId);
  }

  /** The participant of `room` owning session `sessionId`, if any. */
  participantBySession(room: DevRoom, sessionId: string): Participant | undefined {
    const session = this.#sessions.get(sessionId);
    if (session === undefined || session.roomToken !== room.token) {
      return undefined;
    }
    const attendee = this.#attendees.get(session.attendeeId);
    return attendee === undefined ? undefined : { room, attendee, session };
  }

  /**
   * Every (attendee, session) pair of the room, one entry per session, plus attendees without a
   * session when `withoutSessions` is set (Talk `getSessionsAndParticipantsForRoom`).
   */
  participantsOf(room: DevRoom, withoutSessions: boolean): Participant[] {
    const out: Participant[] = [];
    for (const attendee of this.attendeesOf(room)) {
      const sessions = this.sessionsOf(attendee);
      if (sessions.length === 0) {
        if (withoutSessions) {
          out.push({ room, attendee, session: null });
        }
        continue;
      }
      for (const session of sessions) {
        out.push({ room, attendee, session });
      }
    }
    return out;
  }

  /** Clears the call state when nobody is in the call any more (Talk `resetCallStateWhenNeeded`). */
  resetCallStateWhenNeeded(room: DevRoom): void {
    const anyoneInCall = this.participantsOf(room, false).some(
      (p) => (p.session?.inCall ?? 0) !== 0,
    );
    if (!anyoneInCall) {
      room.activeSince = null;
      room.callFlag = 0;
    }
  }

  // ---- PHP sessions --------------------------------------------------------------------------

  /** The PHP session for a cookie value, if any. */
  phpSession(id: string): PhpSession | undefined {
    return this.#phpSessions.get(id);
  }

  /** Creates a PHP session (a new cookie). */
  createPhpSession(): PhpSession {
    const php: PhpSession = {
      id: randomString(32, HUMAN_READABLE_CHARS),
      requestToken: `${Buffer.from(randomString(32)).toString('base64')}:${Buffer.from(
        randomString(32),
      ).toString('base64')}`,
      userId: undefined,
      roomSessions: new Map(),
      roomPasswords: new Map(),
    };
    this.#phpSessions.set(php.id, php);
    return php;
  }
}
