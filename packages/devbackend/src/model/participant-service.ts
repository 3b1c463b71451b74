import { InCallFlags } from '@spreed-ts/protocol';
import { AttendeePermissions, ParticipantTypes, RoomTypes } from './constants.js';
import { ModelError } from './model-error.js';
import { effectivePermissions } from './permissions.js';
import { nowSeconds, randomString, sha1Hex } from './random.js';
import type { TalkModel } from './talk-model.js';
import type { Attendee, DevRoom, Participant, TalkSession } from './types.js';

/** Length of Talk session ids (Talk generates them with `ISecureRandom::generate(255)`). */
export const SESSION_ID_LENGTH = 255;

/**
 * Session-level operations of Talk's ParticipantService: joining and leaving conversations,
 * creating Talk sessions, in-call flags and pings. Every change is reported through the model's
 * events, in the order Talk dispatches its PHP events.
 */
export class ParticipantService {
  readonly #model: TalkModel;

  constructor(model: TalkModel) {
    this.#model = model;
  }

  /** Whether `password` opens `room` (Talk `RoomService::verifyPassword`). */
  verifyPassword(room: DevRoom, password: string): boolean {
    return room.password === '' || room.password === password;
  }

  /**
   * A logged-in user joins (Talk `ParticipantService::joinRoom`): existing attendees just get a new
   * session; others may self-join public rooms after the password check.
   */
  joinRoomAsUser(
    room: DevRoom,
    userId: string,
    password: string,
    passedPasswordProtection: boolean,
  ): Participant {
    let attendee = this.#model.attendeeByActor(room, 'users', userId);
    if (attendee === undefined) {
      if (room.type !== RoomTypes.public) {
        throw new ModelError('room_not_found', 'not a participant of this conversation');
      }
      if (!passedPasswordProtection && !this.verifyPassword(room, password)) {
        throw new ModelError('password', 'provided password is invalid');
      }
      [attendee] = this.#model.addUsers(room, [
        { userId, participantType: ParticipantTypes.userSelfJoined },
      ]);
      if (attendee === undefined) {
        throw new ModelError('participant_not_found', 'could not add user');
      }
    }
    const session = this.createSessionForAttendee(attendee);
    return { room, attendee, session };
  }

  /**
   * A guest joins (Talk `ParticipantService::joinRoomAsNewGuest`): a new guest attendee is created
   * (reported as added), unless the PHP session already had one, which is reused.
   */
  joinRoomAsGuest(
    room: DevRoom,
    password: string,
    passedPasswordProtection: boolean,
    previous?: Attendee,
  ): Participant {
    if (room.type !== RoomTypes.public) {
      throw new ModelError('room_not_found', 'guests can only join public conversations');
    }
    if (!passedPasswordProtection && !this.verifyPassword(room, password)) {
      throw new ModelError('password', 'provided password is invalid');
    }
    let attendee = previous;
    if (attendee === undefined) {
      attendee = this.#model.insertAttendee(
        room,
        'guests',
        randomString(SESSION_ID_LENGTH),
        '',
        ParticipantTypes.guest,
      );
      this.#model.emit('attendeesAdded', room, [attendee]);
    }
    const session = this.createSessionForAttendee(attendee);
    if (previous === undefined) {
      // Talk renames the random guest actor id after the first session.
      attendee.actorId = sha1Hex(session.sessionId);
    }
    return { room, attendee, session };
  }

  /** Creates a Talk session; `sessionId` is given for actor joins via the signaling server. */
  createSessionForAttendee(attendee: Attendee, sessionId?: string): TalkSession {
    const id = sessionId ?? randomString(SESSION_ID_LENGTH);
    if (this.#model.session(id) !== undefined) {
      throw new ModelError('duplicate_session', 'the given session is already in use');
    }
    const session: TalkSession = {
      sessionId: id,
      attendeeId: attendee.id,
      roomToken: attendee.roomToken,
      inCall: InCallFlags.disconnected,
      lastPing: nowSeconds(),
      state: 1,
    };
    this.#model.insertSession(session);
    return session;
  }

  /**
   * A session leaves (Talk `leaveRoomAsSession`): leaves the call first, is deleted, and users who
   * only followed the public link lose their attendee once their last session is gone.
   */
  leaveRoomAsSession(participant: Participant, duplicated = false): void {
    const { room, attendee, session } = participant;
    if (session !== null) {
      if (session.inCall !== InCallFlags.disconnected) {
        this.changeInCall(participant, InCallFlags.disconnected);
      }
      this.#model.deleteSession(session);
    } else {
      for (const s of this.#model.sessionsOf(attendee)) {
        this.#model.deleteSession(s);
      }
    }
    this.#model.emit('sessionLeftRoom', room, attendee, session, duplicated);
    if (
      attendee.participantType === ParticipantTypes.userSelfJoined &&
      this.#model.sessionsOf(attendee).length === 0
    ) {
      this.#model.removeAttendee(room, attendee, 'left');
    } else {
      this.#model.resetCallStateWhenNeeded(room);
    }
  }

  /** Joins the call with `flags` (Talk `CallController::joinCall`): starts the call if needed. */
  joinCall(participant: Participant, flags: number, lastJoinedCall = nowSeconds()): number {
    const { room } = participant;
    const masked = this.#maskFlags(participant, flags);
    if (room.activeSince === null) {
      room.activeSince = new Date(lastJoinedCall * 1000);
      room.callFlag = masked;
    } else {
      room.callFlag |= masked;
    }
    this.changeInCall(participant, flags, { lastJoinedCall });
    return masked;
  }

  /** Leaves the call (Talk `CallController::leaveCall` for one session). */
  leaveCall(participant: Participant): void {
    this.changeInCall(participant, InCallFlags.disconnected);
    this.#model.resetCallStateWhenNeeded(participant.room);
  }

  /**
   * Sets the in-call flags of a session, dropping audio/video the participant may not publish
   * (Talk `ParticipantService::changeInCall`).
   */
  changeInCall(
    participant: Participant,
    flags: number,
    options: { endForEveryone?: boolean; lastJoinedCall?: number } = {},
  ): void {
    const { room, attendee, session } = participant;
    if (session === null) {
      throw new ModelError('participant_not_found', 'participant has no session');
    }
    const masked = this.#maskFlags(participant, flags);
    const oldValue = session.inCall;
    session.inCall = masked;
    if (masked !== InCallFlags.disconnected) {
      attendee.lastJoinedCall = options.lastJoinedCall ?? nowSeconds();
    }
    this.#model.emit('participantModified', room, attendee, session, 'inCall', {
      endForEveryone: options.endForEveryone === true,
      oldValue,
    });
  }

  /** Changes the flags of a session already in the call (Talk `updateCallFlags`). */
  updateCallFlags(participant: Participant, flags: number): void {
    const { room, attendee, session } = participant;
    if (session === null) {
      throw new ModelError('participant_not_found', 'participant has no session');
    }
    if (!(session.inCall & InCallFlags.inCall)) {
      throw new ModelError('not_in_call', 'participant not in call');
    }
    if (!(flags & InCallFlags.inCall)) {
      throw new ModelError('invalid_flags', 'flags must contain IN_CALL');
    }
    const oldValue = session.inCall;
    session.inCall = this.#maskFlags(participant, flags);
    this.#model.emit('participantModified', room, attendee, session, 'inCall', {
      endForEveryone: false,
      oldValue,
    });
  }

  /**
   * Disconnects everybody and reports it once (Talk `endCallForEveryone`); `actor` is the
   * moderator who ended it (null for the development API).
   */
  endCallForEveryone(room: DevRoom, actor: Attendee | null = null): void {
    if (room.activeSince !== null) {
      this.#model.emit('callEndingForEveryone', room, actor);
    }
    const inCall = this.#model
      .participantsOf(room, false)
      .filter((p) => (p.session?.inCall ?? 0) !== InCallFlags.disconnected);
    const sessionIds: string[] = [];
    for (const participant of inCall) {
      sessionIds.push(participant.session?.sessionId ?? '');
      this.changeInCall(participant, InCallFlags.disconnected, { endForEveryone: true });
    }
    if (sessionIds.length > 0) {
      this.#model.emit('callEndedForEveryone', room, InCallFlags.disconnected, sessionIds);
    }
    this.#model.resetCallStateWhenNeeded(room);
  }

  /** Updates `lastPing` of the given sessions; `'0'` entries are ignored (Talk `backendPing`). */
  ping(sessionIds: readonly string[], now = nowSeconds()): number {
    let count = 0;
    for (const id of sessionIds) {
      const session = id === '0' ? undefined : this.#model.session(id);
      if (session !== undefined) {
        session.lastPing = now;
        count++;
      }
    }
    return count;
  }

  #maskFlags(participant: Participant, flags: number): number {
    const permissions = effectivePermissions(
      participant.room,
      participant.attendee,
      this.#model.instanceDefaultPermissions,
    );
    let out = flags;
    if (!(permissions & AttendeePermissions.publishAudio)) {
      out &= ~InCallFlags.withAudio;
    }
    if (!(permissions & AttendeePermissions.publishVideo)) {
      out &= ~InCallFlags.withVideo;
    }
    return out;
  }
}
