import { InCallFlags } from '@spreed-ts/protocol';
import { encodeSystemMessage } from './chat-formatter.js';
import type { ChatLog } from './chat-log.js';
import { ParticipantTypes, RoomTypes } from './constants.js';
import { nowSeconds } from './random.js';
import type { TalkModel } from './talk-model.js';
import type { Attendee, DevRoom, TalkSession } from './types.js';

/** Who a system message is from: an attendee, or `guests/cli` for the development API (Talk's occ). */
type SystemActor = { actorType: string; actorId: string; actorDisplayName: string };

const CLI: SystemActor = { actorType: 'guests', actorId: 'cli', actorDisplayName: '' };

function actorOf(attendee: Attendee): SystemActor {
  return {
    actorType: attendee.actorType === 'users' ? 'users' : 'guests',
    actorId: attendee.actorId,
    actorDisplayName: attendee.displayName,
  };
}

/**
 * Posts the system messages Talk posts on the changes the devbackend models (Talk
 * `Chat\SystemMessage\Listener` and, for the end of a call, `Activity\Listener::generateCallActivity`):
 * `call_started`/`call_joined`/`call_left`, `call_ended`/`call_ended_everyone`, `user_added`,
 * `user_removed`, `moderator_promoted`/`_demoted`, `guest_moderator_promoted`/`_demoted` and
 * `conversation_renamed`. Changes made through the development API are by `guests/cli`, as changes
 * made with `occ` are in Talk.
 */
export class SystemMessageListener {
  readonly #model: TalkModel;
  readonly #chat: ChatLog;

  constructor(model: TalkModel, chat: ChatLog) {
    this.#model = model;
    this.#chat = chat;
    model.on('participantModified', (room, attendee, session, property, details) => {
      if (property === 'inCall' && session !== null && !details.endForEveryone) {
        this.#inCallChanged(room, attendee, session, details.oldValue ?? 0);
      } else if (property === 'type' && details.oldValue !== undefined) {
        this.#typeChanged(room, attendee, details.oldValue);
      }
    });
    model.on('callEndingForEveryone', (room, actor) => this.#callEnded(room, true, actor));
    model.on('attendeesAdded', (room, attendees) => {
      for (const attendee of attendees) {
        // Users joining a public conversation themselves get no message; added users do.
        if (
          room.type !== RoomTypes.oneToOne &&
          attendee.actorType === 'users' &&
          attendee.participantType !== ParticipantTypes.userSelfJoined
        ) {
          this.#post(room, CLI, 'user_added', { user: attendee.actorId });
        }
      }
    });
    model.on('attendeeRemoved', (room, attendee, _sessions, reason) => {
      const selfJoinedLeft =
        reason === 'left' && attendee.participantType === ParticipantTypes.userSelfJoined;
      if (room.type !== RoomTypes.oneToOne && attendee.actorType === 'users' && !selfJoinedLeft) {
        this.#post(room, CLI, 'user_removed', { user: attendee.actorId });
      }
      this.#callEnded(room, false, null);
    });
    model.on('roomModified', (room, property, oldValue) => {
      if (
        property === 'name' &&
        typeof oldValue === 'string' &&
        oldValue !== '' &&
        room.name !== ''
      ) {
        this.#post(room, CLI, 'conversation_renamed', { newName: room.name, oldName: oldValue });
      }
    });
  }

  #inCallChanged(room: DevRoom, attendee: Attendee, session: TalkSession, before: number): void {
    const now = session.inCall;
    if (before === InCallFlags.disconnected && now !== InCallFlags.disconnected) {
      const othersInCall = this.#model
        .participantsOf(room, false)
        .some((p) => p.session !== null && p.session !== session && p.session.inCall !== 0);
      this.#post(room, actorOf(attendee), othersInCall ? 'call_joined' : 'call_started', {});
    } else if (before !== InCallFlags.disconnected && now === InCallFlags.disconnected) {
      this.#post(room, actorOf(attendee), 'call_left', {});
      this.#callEnded(room, false, null);
    }
  }

  #typeChanged(room: DevRoom, attendee: Attendee, before: number): void {
    const type = attendee.participantType;
    if (attendee.actorType === 'users') {
      if (type === ParticipantTypes.moderator) {
        this.#post(room, CLI, 'moderator_promoted', { user: attendee.actorId });
      } else if (type === ParticipantTypes.user) {
        const message =
          before === ParticipantTypes.userSelfJoined ? 'user_added' : 'moderator_demoted';
        this.#post(room, CLI, message, { user: attendee.actorId });
      }
    } else if (attendee.actorType === 'guests') {
      if (type === ParticipantTypes.guestModerator) {
        this.#post(room, CLI, 'guest_moderator_promoted', { session: attendee.actorId });
      } else if (type === ParticipantTypes.guest) {
        this.#post(room, CLI, 'guest_moderator_demoted', { session: attendee.actorId });
      }
    }
  }

  /** `call_ended`(`_everyone`) once nobody is left in the call, with who took part and how long. */
  #callEnded(room: DevRoom, everyone: boolean, actor: Attendee | null): void {
    const since = room.activeSince;
    if (since === null) {
      return;
    }
    const participants = this.#model.participantsOf(room, false);
    if (!everyone && participants.some((p) => (p.session?.inCall ?? 0) !== 0)) {
      return;
    }
    const sinceSeconds = Math.floor(since.getTime() / 1000);
    const joined = this.#model.attendeesOf(room).filter((a) => a.lastJoinedCall >= sinceSeconds);
    const users = joined.filter((a) => a.actorType === 'users').map((a) => a.actorId);
    const guests = joined.filter(
      (a) => a.actorType === 'guests' || a.actorType === 'emails',
    ).length;
    // The call is over for the chat: Talk resets `activeSince` here so it is reported once.
    room.activeSince = null;
    room.callFlag = 0;
    const from =
      actor !== null
        ? actorOf(actor)
        : users[0] !== undefined
          ? {
              actorType: 'users',
              actorId: users[0],
              actorDisplayName: this.#model.users.get(users[0])?.displayName ?? '',
            }
          : { actorType: 'guests', actorId: 'guests-only', actorDisplayName: '' };
    this.#post(room, from, everyone ? 'call_ended_everyone' : 'call_ended', {
      users,
      guests,
      duration: nowSeconds() - sinceSeconds,
    });
  }

  #post(
    room: DevRoom,
    actor: SystemActor,
    message: string,
    parameters: Record<string, unknown>,
  ): void {
    this.#chat.post({
      token: room.token,
      ...actor,
      message: encodeSystemMessage({ message, parameters }),
      messageType: 'system',
      systemMessage: message,
    });
  }
}
