import { RoomTypes } from './constants.js';
import { parseMentions, type RichObject } from './mentions.js';
import type { TalkModel } from './talk-model.js';
import type { Attendee, ChatMessage, DevRoom } from './types.js';

/**
 * System messages Talk pushes whole over signaling (chat relay); for the others only a `refresh`
 * hint is sent (Talk `Signaling\Listener::SYSTEM_MESSAGE_TYPE_RELAY`, the ones the devbackend makes).
 */
export const RELAYED_SYSTEM_MESSAGES: ReadonlySet<string> = new Set([
  'call_started',
  'call_joined',
  'call_left',
  'call_ended',
  'call_ended_everyone',
  'moderator_promoted',
  'moderator_demoted',
  'guest_moderator_promoted',
  'guest_moderator_demoted',
]);

/** What a system message stores (Talk keeps `{"message": …, "parameters": …}` as the comment). */
export interface SystemMessageData {
  message: string;
  parameters: Record<string, unknown>;
}

/** The stored text of a system message. */
export function encodeSystemMessage(data: SystemMessageData): string {
  return JSON.stringify(data);
}

function decodeSystemMessage(text: string): SystemMessageData | undefined {
  try {
    const data: unknown = JSON.parse(text);
    if (typeof data === 'object' && data !== null && 'message' in data) {
      const { message, parameters } = data as { message: unknown; parameters?: unknown };
      if (typeof message === 'string') {
        const params =
          typeof parameters === 'object' && parameters !== null && !Array.isArray(parameters)
            ? (parameters as Record<string, unknown>)
            : {};
        return { message, parameters: params };
      }
    }
  } catch {
    // not a system message payload
  }
  return undefined;
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function list(items: string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Turns stored chat messages into what Talk's chat API returns to one viewer: system messages get
 * their English text and rich object parameters (Talk `Chat\Parser\SystemMessage`, including the
 * "You …" variants for the acting user), comments get their `@mentions` as parameters (Talk
 * `Chat\Parser\UserMention`). Names are looked up at read time, as Talk does.
 */
export class ChatFormatter {
  readonly #model: TalkModel;

  constructor(model: TalkModel) {
    this.#model = model;
  }

  /** The message as `viewer` reads it (no viewer: the chat relay and the development API). */
  format(message: ChatMessage, viewer?: Attendee): ChatMessage {
    const room = this.#model.room(message.token);
    if (room === undefined) {
      return message;
    }
    const parent =
      message.parent === undefined ? {} : { parent: this.format(message.parent, viewer) };
    if (message.messageType === 'comment') {
      return { ...message, ...parseMentions(this.#model, room, message.message), ...parent };
    }
    const data =
      message.messageType === 'system' ? decodeSystemMessage(message.message) : undefined;
    if (data === undefined) {
      return message;
    }
    const actor = this.#actor(room, message.actorType, message.actorId);
    const [text, parameters] = this.#systemText(room, data, actor, viewer);
    return { ...message, message: text, messageParameters: parameters, ...parent };
  }

  #actor(room: DevRoom, actorType: string, actorId: string): RichObject {
    if (actorType === 'guests' || actorType === 'emails') {
      return this.#guest(room, actorId);
    }
    return this.#user(actorId);
  }

  #user(id: string): RichObject {
    const user = this.#model.users.get(id);
    if (user === undefined) {
      return { type: 'highlight', id: 'deleted_user', name: 'Deleted user' };
    }
    return { type: 'user', id, name: user.displayName, 'mention-id': id };
  }

  #guest(room: DevRoom, actorId: string): RichObject {
    let name = 'Guest';
    if (actorId === 'cli') {
      name = 'Administration';
    } else if (actorId === 'system') {
      name = 'System';
    } else {
      const attendee = this.#model.attendeeByActor(room, 'guests', actorId);
      if (attendee !== undefined && attendee.displayName !== '') {
        name = `${attendee.displayName} (guest)`;
      }
    }
    return { type: 'guest', id: `guest/${actorId}`, name, 'mention-id': `guest/${actorId}` };
  }

  #systemText(
    room: DevRoom,
    data: SystemMessageData,
    actor: RichObject,
    viewer: Attendee | undefined,
  ): [string, Record<string, RichObject>] {
    const params: Record<string, RichObject> = { actor };
    // Talk compares the actor with the viewer only for users ("You …"); guests always read the
    // third-person text.
    const you =
      viewer !== undefined &&
      viewer.actorType === 'users' &&
      actor.type === 'user' &&
      actor.id === viewer.actorId;
    const cli = actor.type === 'guest' && actor.id === 'guest/cli';
    const isViewer = (p: RichObject): boolean =>
      viewer !== undefined &&
      viewer.actorType === 'users' &&
      p.type === 'user' &&
      p.id === viewer.actorId;
    const oneToOne = room.type === RoomTypes.oneToOne;
    const p = data.parameters;
    switch (data.message) {
      case 'call_started':
        if (oneToOne) {
          return [you ? 'Outgoing call' : 'Incoming call', params];
        }
        return [you ? 'You started a call' : '{actor} started a call', params];
      case 'call_joined':
        return [you ? 'You joined the call' : '{actor} joined the call', params];
      case 'call_left':
        return [you ? 'You left the call' : '{actor} left the call', params];
      case 'call_ended':
      case 'call_ended_everyone':
        return this.#callEnded(room, data, params);
      case 'conversation_renamed': {
        const change = `renamed the conversation from "${String(p.oldName)}" to "${String(p.newName)}"`;
        return [
          you ? `You ${change}` : cli ? `An administrator ${change}` : `{actor} ${change}`,
          params,
        ];
      }
      case 'user_added':
      case 'user_removed': {
        const user = this.#user(String(p.user));
        params.user = user;
        const added = data.message === 'user_added';
        if (user.id === actor.id) {
          const what = added ? 'joined the conversation' : 'left the conversation';
          return [you ? `You ${what}` : `{actor} ${what}`, params];
        }
        const verb = added ? 'added' : 'removed';
        if (you) {
          return [`You ${verb} {user}`, params];
        }
        if (isViewer(user)) {
          return [cli ? `An administrator ${verb} you` : `{actor} ${verb} you`, params];
        }
        return [cli ? `An administrator ${verb} {user}` : `{actor} ${verb} {user}`, params];
      }
      case 'moderator_promoted':
      case 'moderator_demoted':
      case 'guest_moderator_promoted':
      case 'guest_moderator_demoted': {
        const guest = data.message.startsWith('guest_');
        const user = guest ? this.#guest(room, String(p.session)) : this.#user(String(p.user));
        params.user = user;
        const what = data.message.endsWith('promoted')
          ? ['promoted', 'to moderator']
          : ['demoted', 'from moderator'];
        if (you) {
          return [`You ${what[0]} {user} ${what[1]}`, params];
        }
        const viewerIsUser =
          viewer !== undefined &&
          (guest
            ? viewer.actorType === 'guests' && user.id === `guest/${viewer.actorId}`
            : isViewer(user));
        const who = cli ? 'An administrator' : '{actor}';
        return [`${who} ${what[0]} ${viewerIsUser ? 'you' : '{user}'} ${what[1]}`, params];
      }
      default:
        return [data.message, params];
    }
  }

  /** Talk `SystemMessage::parseCall`: who was in the call and how long it lasted. */
  #callEnded(
    room: DevRoom,
    data: SystemMessageData,
    params: Record<string, RichObject>,
  ): [string, Record<string, RichObject>] {
    const p = data.parameters;
    const seconds = typeof p.duration === 'number' ? p.duration : 0;
    const tail = `(Duration ${duration(seconds)})`;
    if (room.type === RoomTypes.oneToOne) {
      return [`Call ended ${tail}`, params];
    }
    const everyone = data.message === 'call_ended_everyone';
    let users = Array.isArray(p.users) ? p.users.map(String) : [];
    let guests = typeof p.guests === 'number' ? p.guests : 0;
    const actor = params.actor as RichObject;
    if (everyone) {
      if (actor.type === 'user') {
        users = users.filter((id) => id !== actor.id);
      } else if (actor.id !== 'guest/system') {
        guests--;
      }
    }
    users.sort();
    let shown = users.length;
    let rest: string | undefined;
    if (users.length > 5 || (users.length === 5 && guests > 0)) {
      shown = 4;
      rest = plural(guests + users.length - 4, 'other', 'others');
    } else if (guests > 0) {
      rest = plural(guests, 'guest', 'guests');
    }
    const items: string[] = [];
    for (let i = 1; i <= shown; i++) {
      params[`user${i}`] = this.#user(users[i - 1] ?? '');
      items.push(`{user${i}}`);
    }
    if (rest !== undefined) {
      items.push(rest);
    }
    if (items.length === 0) {
      return [everyone ? `{actor} ended the call ${tail}` : `Call ended ${tail}`, params];
    }
    return [
      everyone
        ? `{actor} ended the call with ${list(items)} ${tail}`
        : `Call with ${list(items)} ended ${tail}`,
      params,
    ];
  }
}
