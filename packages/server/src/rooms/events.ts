import {
  ClientFeatures,
  type EventBody,
  type EventSessionEntry,
  isObject,
  type JsonObject,
  Permissions,
  type RoomResponse,
  type ServerMessage,
} from '@spreed-ts/protocol';
import { isChatRefresh, shapeChatData } from './chat-relay.js';
import type { Participant, SendKind } from './participant.js';

/** One entry of a room `join` event. */
export type JoinEntry = EventSessionEntry;

/**
 * Something published to room members (or to single sessions). Events that need per-receiver
 * shaping carry their parts; everything else is a ready {@link ServerMessage}.
 */
export type RoomEvent =
  /** `event`/`room`/`join`: entries already seen by a receiver are removed for it. */
  | { kind: 'join'; entries: JoinEntry[] }
  /** `event`/`room`/`leave`: ids never seen joining are removed for a receiver. */
  | { kind: 'leave'; ids: string[] }
  /** `event`/`participants`/`flags`: dropped when the receiver saw the same value last. */
  | { kind: 'flags'; roomid: string; sessionid: string; flags: number }
  /** `event`/`participants`/`update` with its final user list. */
  | { kind: 'participants'; roomid: string; users: JsonObject[] }
  /** `event`/`room`/`message` (Talk chat notifications), shaped per receiver. */
  | { kind: 'chat'; roomid: string; data: unknown }
  /** Anything sent the same to every receiver. */
  | { kind: 'frame'; message: ServerMessage | RawFrame }
  /**
   * An already serialised frame (a relayed `message`/`control`, also one from another server);
   * dropped for `hide-displaynames` receivers when it is a nick change.
   */
  | { kind: 'text'; text: string; nickChanged: boolean };

/** A frame whose shape the protocol types don't describe (e.g. a control with a null sender). */
export interface RawFrame {
  type: string;
  [key: string]: unknown;
}

/** One serialised frame for one receiver. */
export interface Rendered {
  text: string;
  kind: SendKind;
}

const NONE: readonly Rendered[] = [];

/** Whether an event is subject to the "published before the receiver joined" rule. */
function roomScoped(event: RoomEvent): boolean {
  switch (event.kind) {
    case 'join':
    case 'leave':
    case 'flags':
    case 'participants':
    case 'chat':
      return true;
    case 'text':
      return false;
    case 'frame': {
      const message = event.message;
      if (message.type !== 'event') {
        return false;
      }
      const target = (message as { event?: { target?: unknown } }).event?.target;
      return target === 'room' || target === 'participants';
    }
  }
}

/** Removes `displayname` from each entry's user data (receivers with `hide-displaynames`). */
export function hideDisplayNames(entries: readonly JoinEntry[]): JoinEntry[] {
  return entries.map((entry) => {
    if (!isObject(entry.user) || !Object.hasOwn(entry.user, 'displayname')) {
      return entry;
    }
    const { displayname: _hidden, ...rest } = entry.user;
    const copy: JoinEntry = { ...entry };
    if (Object.keys(rest).length === 0) {
      delete copy.user;
    } else {
      copy.user = rest;
    }
    return copy;
  });
}

const eventFrame = (event: EventBody): ServerMessage => ({ type: 'event', event });

/**
 * One publication to many receivers. Frames are serialised once per distinct variant: receivers
 * that need the same bytes share one string (the common case is a single variant for everyone).
 */
export class Delivery {
  readonly #event: RoomEvent;
  readonly #sentAt: number;
  readonly #scoped: boolean;
  readonly #cache = new Map<string, readonly Rendered[]>();

  /**
   * @param sentAt publication time; room-scoped events are dropped for receivers that joined later
   *   (only matters once events travel through a bus and can arrive late).
   * @param direct sent straight to the receiver, bypassing the join-time rule (upstream's direct
   *   sends, e.g. the incall "all" update).
   */
  constructor(event: RoomEvent, sentAt: number, direct = false) {
    this.#event = event;
    this.#sentAt = sentAt;
    this.#scoped = !direct && roomScoped(event);
  }

  /** Renders and sends the event to `receiver`. */
  sendTo(receiver: Participant): void {
    for (const frame of this.render(receiver)) {
      receiver.sendText(frame.text, frame.kind);
    }
  }

  /** The frames `receiver` gets (updates the receiver's seen-joins / seen-flags state). */
  render(receiver: Participant): readonly Rendered[] {
    if (this.#scoped && (receiver.room === undefined || this.#sentAt < receiver.joinTime)) {
      return NONE;
    }
    const event = this.#event;
    switch (event.kind) {
      case 'join':
        return this.#join(receiver, event.entries);
      case 'leave':
        return this.#leave(receiver, event.ids);
      case 'flags': {
        if (receiver.seenFlags.get(event.sessionid) === event.flags) {
          return NONE;
        }
        receiver.seenFlags.set(event.sessionid, event.flags);
        const { roomid, sessionid, flags } = event;
        return this.#cached('f', () =>
          eventFrame({
            target: 'participants',
            type: 'flags',
            flags: { roomid, sessionid, flags },
          }),
        );
      }
      case 'participants':
        return this.#cached(
          'p',
          () => participantsFrame(event.roomid, event.users),
          'participants-update',
        );
      case 'chat':
        return this.#chat(receiver, event.roomid, event.data);
      case 'frame':
        return this.#cached('x', () => event.message);
      case 'text': {
        if (event.nickChanged && receiver.hasPermission(Permissions.hideDisplayNames)) {
          return NONE;
        }
        let frames = this.#cache.get('t');
        if (frames === undefined) {
          frames = [{ text: event.text, kind: 'other' }];
          this.#cache.set('t', frames);
        }
        return frames;
      }
    }
  }

  #cached(
    key: string,
    build: () => ServerMessage | RawFrame,
    kind: SendKind = 'other',
  ): readonly Rendered[] {
    let frames = this.#cache.get(key);
    if (frames === undefined) {
      frames = [{ text: JSON.stringify(build()), kind }];
      this.#cache.set(key, frames);
    }
    return frames;
  }

  #join(receiver: Participant, entries: readonly JoinEntry[]): readonly Rendered[] {
    const fresh = entries.filter((e) => !receiver.seenJoins.has(e.sessionid));
    if (fresh.length === 0) {
      return NONE;
    }
    for (const entry of fresh) {
      receiver.seenJoins.add(entry.sessionid);
    }
    const hide = receiver.hasPermission(Permissions.hideDisplayNames);
    const which = fresh.length === entries.length ? '*' : fresh.map((e) => e.sessionid).join(',');
    return this.#cached(`j${hide ? 'h' : ''}:${which}`, () =>
      eventFrame({ target: 'room', type: 'join', join: hide ? hideDisplayNames(fresh) : fresh }),
    );
  }

  #leave(receiver: Participant, ids: readonly string[]): readonly Rendered[] {
    const known = ids.filter((id) => receiver.seenJoins.has(id));
    for (const id of ids) {
      receiver.seenJoins.delete(id);
      receiver.seenFlags.delete(id);
    }
    if (known.length === 0) {
      return NONE;
    }
    const which = known.length === ids.length ? '*' : known.join(',');
    return this.#cached(`l:${which}`, () =>
      eventFrame({ target: 'room', type: 'leave', leave: known }),
    );
  }

  #chat(receiver: Participant, roomid: string, data: unknown): readonly Rendered[] {
    const relay = receiver.session.features.has(ClientFeatures.chatRelay);
    const hide = receiver.hasPermission(Permissions.hideDisplayNames);
    const key = `c${relay ? 'r' : ''}${hide ? 'h' : ''}`;
    let frames = this.#cache.get(key);
    if (frames === undefined) {
      const datas = shapeChatData(data, { chatRelay: relay, hideDisplayNames: hide }) ?? [data];
      frames = datas.map((d) => ({
        text: JSON.stringify(roomMessageFrame(roomid, d)),
        kind: isChatRefresh(d) ? 'chat-refresh' : 'other',
      }));
      this.#cache.set(key, frames);
    }
    return frames;
  }
}

// --- frame builders (upstream's key order) ------------------------------------------------------

/** `event`/`participants`/`update`; `users` omitted when empty. */
export function participantsFrame(roomid: string, users: readonly JsonObject[]): ServerMessage {
  return eventFrame({
    target: 'participants',
    type: 'update',
    update: users.length > 0 ? { roomid, users: [...users] } : { roomid },
  });
}

/** `event`/`room`/`message`. */
export function roomMessageFrame(roomid: string, data: unknown): ServerMessage {
  return eventFrame({ target: 'room', type: 'message', message: { roomid, data } });
}

/** `event`/`roomlist`/`invite` or `update`; `properties` omitted when absent. */
export function roomlistFrame(
  type: 'invite' | 'update',
  roomid: string,
  properties: unknown,
): ServerMessage {
  const body =
    properties === undefined || properties === null ? { roomid } : { roomid, properties };
  return eventFrame(
    type === 'invite'
      ? { target: 'roomlist', type, invite: body }
      : { target: 'roomlist', type, update: body },
  );
}

/** Why a session lost access to a room. */
export type DisinviteReason = 'disinvited' | 'deleted';

/** `event`/`roomlist`/`disinvite`. */
export function disinviteFrame(roomid: string, reason: DisinviteReason): ServerMessage {
  return eventFrame({ target: 'roomlist', type: 'disinvite', disinvite: { roomid, reason } });
}

/** `event`/`room`/`switchto`; `details` omitted when absent or null. */
export function switchToFrame(roomid: string, details: unknown): ServerMessage {
  return eventFrame({
    target: 'room',
    type: 'switchto',
    switchto: details === undefined || details === null ? { roomid } : { roomid, details },
  });
}

/** `event`/`participants`/`update` of the incall "all" form. */
export function inCallAllFrame(roomid: string, incall: number): ServerMessage {
  return eventFrame({
    target: 'participants',
    type: 'update',
    update: { roomid, incall, all: true },
  });
}

/** The `room` body: `properties` omitted when absent. */
export function roomBody(roomid: string, properties?: unknown): RoomResponse {
  return properties === undefined || properties === null ? { roomid } : { roomid, properties };
}

/** `room` with the (new) properties, or `roomid:""` when the session is no longer in a room. */
export function roomFrame(
  roomid: string,
  properties?: unknown,
  id?: string,
): Extract<ServerMessage, { type: 'room' }> {
  const room = roomBody(roomid, properties);
  return id === undefined ? { type: 'room', room } : { id, type: 'room', room };
}
