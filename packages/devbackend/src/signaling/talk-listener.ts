import { EventEmitter } from 'node:events';
import { type ChatFormatter, RELAYED_SYSTEM_MESSAGES } from '../model/chat-formatter.js';
import type { ChatLog } from '../model/chat-log.js';
import { AttendeePermissions } from '../model/constants.js';
import {
  effectivePermissions,
  isGuestType,
  isModerator,
  signalingPermissions,
} from '../model/permissions.js';
import { signalingRoomProperties } from '../model/room-properties.js';
import type { RoomProperty, TalkModel } from '../model/talk-model.js';
import type { Attendee, ChatMessage, DevRoom, Participant, TalkSession } from '../model/types.js';
import type { BackendNotification, NotifiedParticipant } from './notification-types.js';
import { NotifierError, type RecordedNotification, type SignalingNotifier } from './notifier.js';

/** Events of the {@link TalkListener}. */
export type TalkListenerEvents = {
  /** A notification was delivered (any status Talk accepts). */
  notification: [record: RecordedNotification];
  /** A notification failed the way Talk's notifier throws. */
  notificationFailed: [error: NotifierError];
};

/** Actor types Talk includes in participant lists sent to the signaling server. */
const LISTED_ACTOR_TYPES = new Set(['users', 'guests', 'emails', 'federated_users']);

/**
 * Turns model changes into signaling server notifications, following Talk's
 * `Signaling\Listener::handleExternalSignaling` and the body builders of `BackendNotifier`.
 * Bodies are built synchronously when the change happens (so they show the state of that moment)
 * and sent one after another in order.
 */
export class TalkListener extends EventEmitter<TalkListenerEvents> {
  /** Whether chat notifications carry the message as `comment` (chat relay). */
  chatRelay = true;
  readonly #model: TalkModel;
  readonly #notifier: SignalingNotifier;
  readonly #formatter: ChatFormatter;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    model: TalkModel,
    chat: ChatLog,
    notifier: SignalingNotifier,
    formatter: ChatFormatter,
  ) {
    super();
    this.#model = model;
    this.#notifier = notifier;
    this.#formatter = formatter;
    model.on('attendeesAdded', (room, attendees) => this.#roomInvited(room, attendees));
    model.on('attendeesRemoved', (room, attendees) => this.#roomsDisinvited(room, attendees));
    model.on('attendeeRemoved', (room, _attendee, sessions) => {
      if (sessions.length > 0) {
        this.#roomSessionsRemoved(
          room,
          sessions.map((s) => s.sessionId),
        );
      }
    });
    model.on('sessionLeftRoom', (room, attendee, session, rejoining) => {
      // Leaving only matters to the signaling server for guests or replaced sessions.
      if (session !== null && (rejoining || isGuestType(attendee))) {
        this.#roomSessionsRemoved(room, [session.sessionId]);
      }
    });
    model.on('participantModified', (room, attendee, session, property, details) => {
      const sessionIds = this.#model.sessionsOf(attendee).map((s) => s.sessionId);
      switch (property) {
        case 'inCall':
          if (!details.endForEveryone && session !== null) {
            this.roomInCallChanged(room, session.inCall, [session.sessionId]);
          }
          break;
        case 'name':
          if (sessionIds.length > 0) {
            this.participantsModified(room, sessionIds);
          }
          break;
        case 'type':
          this.roomModified(room);
          this.participantsModified(room, sessionIds);
          break;
        case 'permissions':
          this.participantsModified(room, sessionIds);
          break;
      }
    });
    model.on('roomModified', (room, property: RoomProperty) => {
      if (property === 'defaultPermissions') {
        const all = this.#model.participantsOf(room, false).map((p) => p.session?.sessionId ?? '');
        this.participantsModified(room, all);
        return;
      }
      this.roomModified(room);
    });
    model.on('beforeRoomDeleted', (room, userIds) => {
      this.enqueue(room.token, { type: 'delete', delete: { userids: userIds } });
    });
    model.on('callEndedForEveryone', (room, callFlag) => {
      this.enqueue(room.token, { type: 'incall', incall: { incall: callFlag, all: true } });
    });
    chat.on('messageSent', (message) => this.#messageSent(message));
  }

  /** Resolves once every notification queued so far was sent (or failed). */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** Queues a raw notification for `token`; {@link settled} tells when it went out. */
  enqueue(token: string, body: BackendNotification): void {
    this.#chain = this.#chain.then(() => this.#deliver(token, body));
  }

  async #deliver(token: string, body: BackendNotification): Promise<void> {
    try {
      const record = await this.#notifier.send(token, body);
      if (record !== undefined) {
        this.emit('notification', record);
      }
    } catch (error) {
      if (error instanceof NotifierError) {
        this.emit('notificationFailed', error);
      } else {
        // Keep the queue alive; anything else is a bug worth seeing.
        process.emitWarning(`devbackend notifier: ${String(error)}`);
      }
    }
  }

  /** `update` with the current properties (Talk `roomModified`). */
  roomModified(room: DevRoom): void {
    this.enqueue(room.token, {
      type: 'update',
      update: {
        userids: this.#model.userIdsOf(room),
        properties: signalingRoomProperties(room, true),
      },
    });
  }

  /** `participants` for the given Talk sessions (Talk `participantsModified`). */
  participantsModified(room: DevRoom, sessionIds: readonly string[]): void {
    const changed: NotifiedParticipant[] = [];
    const users: NotifiedParticipant[] = [];
    for (const participant of this.#model.participantsOf(room, true)) {
      const { attendee, session } = participant;
      if (!LISTED_ACTOR_TYPES.has(attendee.actorType)) {
        continue;
      }
      const data: NotifiedParticipant = {
        inCall: session?.inCall ?? 0,
        lastPing: session?.lastPing ?? 0,
        sessionId: session?.sessionId ?? '0',
        participantType: attendee.participantType,
        participantPermissions:
          session === null ? AttendeePermissions.custom : this.#permissions(participant),
        displayName: attendee.displayName,
        actorType: attendee.actorType,
        actorId: attendee.actorId,
        ...(attendee.actorType === 'users' ? { userId: attendee.actorId } : {}),
      };
      users.push(data);
      if (session !== null && sessionIds.includes(session.sessionId)) {
        changed.push({
          ...data,
          permissions: signalingPermissions(this.#permissions(participant), isModerator(attendee)),
        });
      }
    }
    this.enqueue(room.token, { type: 'participants', participants: { changed, users } });
  }

  /** `incall` for the given Talk sessions (Talk `roomInCallChanged`). */
  roomInCallChanged(room: DevRoom, flags: number, sessionIds: readonly string[]): void {
    const changed: NotifiedParticipant[] = [];
    const users: NotifiedParticipant[] = [];
    for (const participant of this.#model.participantsOf(room, false)) {
      const { attendee, session } = participant;
      if (session === null || !LISTED_ACTOR_TYPES.has(attendee.actorType)) {
        continue;
      }
      const data = this.#inCallEntry(participant, attendee, session);
      if (session.inCall !== 0) {
        users.push(data);
      }
      if (sessionIds.includes(session.sessionId)) {
        changed.push(data);
      }
    }
    this.enqueue(room.token, { type: 'incall', incall: { incall: flags, changed, users } });
  }

  /** `switchto` (breakout rooms, Talk `switchToRoom`). */
  switchToRoom(
    room: DevRoom,
    targetToken: string,
    sessions: string[] | Record<string, unknown>,
  ): void {
    this.enqueue(room.token, { type: 'switchto', switchto: { roomid: targetToken, sessions } });
  }

  /** `message` with arbitrary data (Talk `sendRoomMessage`). */
  sendRoomMessage(room: DevRoom, data: Record<string, unknown>): void {
    this.enqueue(room.token, { type: 'message', message: { data } });
  }

  #inCallEntry(
    participant: Participant,
    attendee: Attendee,
    session: TalkSession,
  ): NotifiedParticipant {
    return {
      inCall: session.inCall,
      lastPing: session.lastPing,
      sessionId: session.sessionId,
      nextcloudSessionId: session.sessionId,
      participantType: attendee.participantType,
      participantPermissions: this.#permissions(participant),
      actorType: attendee.actorType,
      actorId: attendee.actorId,
      ...(attendee.actorType === 'users' ? { userId: attendee.actorId } : {}),
    };
  }

  #permissions(participant: Participant): number {
    return effectivePermissions(
      participant.room,
      participant.attendee,
      this.#model.instanceDefaultPermissions,
    );
  }

  #roomInvited(room: DevRoom, attendees: Attendee[]): void {
    this.enqueue(room.token, {
      type: 'invite',
      invite: {
        userids: attendees.filter((a) => a.actorType === 'users').map((a) => a.actorId),
        alluserids: this.#model.userIdsOf(room),
        properties: signalingRoomProperties(room, false),
      },
    });
  }

  #roomsDisinvited(room: DevRoom, attendees: Attendee[]): void {
    this.enqueue(room.token, {
      type: 'disinvite',
      disinvite: {
        userids: attendees.filter((a) => a.actorType === 'users').map((a) => a.actorId),
        alluserids: this.#model.userIdsOf(room).sort(),
        properties: signalingRoomProperties(room, false),
      },
    });
  }

  #roomSessionsRemoved(room: DevRoom, sessionIds: string[]): void {
    this.enqueue(room.token, {
      type: 'disinvite',
      disinvite: {
        sessionids: sessionIds,
        alluserids: this.#model.userIdsOf(room).sort(),
        properties: signalingRoomProperties(room, false),
      },
    });
  }

  #messageSent(message: ChatMessage): void {
    const room = this.#model.room(message.token);
    if (room === undefined) {
      return;
    }
    const chat: Record<string, unknown> = { refresh: true };
    // Talk relays comments and some system messages (rendered for no one in particular); for
    // the other system messages clients only get the hint to fetch.
    const relayed =
      message.messageType !== 'system' || RELAYED_SYSTEM_MESSAGES.has(message.systemMessage);
    if (this.chatRelay && relayed) {
      chat.comment = this.#formatter.format(message);
    }
    this.sendRoomMessage(room, { type: 'chat', chat });
  }
}
