import { RoomTypes } from './constants.js';
import type { TalkModel } from './talk-model.js';
import type { DevRoom } from './types.js';

/** A rich object parameter as Talk puts it into `messageParameters`. */
export type RichObject = Record<string, string | number>;

// `@id` (letters, digits and _-@.') or `@"anything but quotes"`, at the start or after whitespace
// (the shape Nextcloud's `Comment::getMentions` accepts).
const MENTION = /(^|\s)@(?:"([^"]+)"|([A-Za-z0-9_\-@.']+))/g;

interface Mention {
  /** The mentioned id as written: `bob`, `all`, `guest/<actorId>`. */
  search: string;
  kind: 'user' | 'guest' | 'call';
  object: RichObject;
}

function resolve(model: TalkModel, room: DevRoom, id: string): Mention | undefined {
  if (id === 'all') {
    const callType =
      room.type === RoomTypes.public
        ? 'public'
        : room.type === RoomTypes.group
          ? 'group'
          : 'one2one';
    return {
      search: id,
      kind: 'call',
      object: { type: 'call', id: room.token, name: room.name, 'call-type': callType },
    };
  }
  if (id.startsWith('guest/')) {
    const attendee = model.attendeeByActor(room, 'guests', id.slice('guest/'.length));
    return {
      search: id,
      kind: 'guest',
      object: { type: 'guest', id, name: attendee?.displayName || 'Guest', 'mention-id': id },
    };
  }
  const user = model.users.get(id);
  if (user === undefined) {
    return undefined;
  }
  return {
    search: id,
    kind: 'user',
    object: { type: 'user', id: user.id, name: user.displayName, 'mention-id': user.id },
  };
}

/**
 * Replaces the mentions in a comment by `{mention-<type><n>}` placeholders with rich object
 * parameters, like Talk's `UserMention` parser does when a message is read: users, guests
 * (`@"guest/<actorId>"`) and `@all` (a `call` object). Unknown ids stay plain text.
 */
export function parseMentions(
  model: TalkModel,
  room: DevRoom,
  text: string,
): { message: string; messageParameters: Record<string, RichObject> } {
  const ids = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const id = match[2] ?? match[3];
    if (id !== undefined) {
      ids.add(id);
    }
  }
  // Longer ids first, so `@bob` does not eat the start of `@bobby` (Talk sorts the same way).
  const mentions = [...ids]
    .sort((a, b) => b.length - a.length)
    .map((id) => resolve(model, room, id))
    .filter((m): m is Mention => m !== undefined);
  const counts = new Map<string, number>();
  const messageParameters: Record<string, RichObject> = {};
  let message = text;
  for (const mention of mentions) {
    const n = (counts.get(mention.kind) ?? 0) + 1;
    counts.set(mention.kind, n);
    const key = `mention-${mention.kind}${n}`;
    message = message.split(`@"${mention.search}"`).join(`{${key}}`);
    if (!mention.search.includes(' ') && !mention.search.startsWith('guest/')) {
      message = message.split(`@${mention.search}`).join(`{${key}}`);
    }
    messageParameters[key] = mention.object;
  }
  return { message, messageParameters };
}
