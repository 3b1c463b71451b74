import { isObject, type JsonObject } from '@spreed-ts/protocol';
import { BackendApiError } from '../transport/backend-api.js';

/** `invite`: users were added to the room. */
export interface InviteRequest {
  userids: string[];
  alluserids: string[];
  properties: unknown;
}

/** `disinvite`: users or single Talk sessions were removed from the room. */
export interface DisinviteRequest {
  userids: string[];
  sessionids: string[];
  alluserids: string[];
  properties: unknown;
}

/** `update`: the room's properties changed. */
export interface UpdateRequest {
  userids: string[];
  properties: unknown;
}

/** `delete`: the room is gone. */
export interface DeleteRequest {
  userids: string[];
}

/** `incall`: call participation changed (or, with `all`, the call started/ended for everyone). */
export interface InCallRequest {
  /** Flags (number) or boolean; only read with `all`. */
  incall: unknown;
  all: boolean;
  changed: JsonObject[];
  users: JsonObject[];
}

/** `participants`: participant data (permissions, names, types) changed. */
export interface ParticipantsRequest {
  changed: JsonObject[];
  users: JsonObject[];
}

/** `message`: a notification for the room's clients (chat, recording, …). */
export interface RoomMessageRequest {
  data: unknown;
}

/**
 * The sessions of a `switchto` request: a list of Talk session ids, or a map of Talk session id to
 * per-session details (any JSON, passed on to the client).
 */
export type SwitchToSessions =
  | { kind: 'list'; ids: string[] }
  | { kind: 'map'; entries: [string, unknown][] };

/** `switchto`: sessions should move to another room (breakout rooms). */
export interface SwitchToRequest {
  roomid: string;
  sessions: SwitchToSessions;
}

/** `dialout`: call a phone number from the room through a SIP bridge. */
export interface DialoutRequest {
  number: string;
  options: unknown;
}

/** A validated backend rooms API body. */
export type BackendRoomRequest =
  | { type: 'invite'; invite: InviteRequest }
  | { type: 'disinvite'; disinvite: DisinviteRequest }
  | { type: 'update'; update: UpdateRequest }
  | { type: 'delete'; delete: DeleteRequest }
  | { type: 'incall'; incall: InCallRequest }
  | { type: 'participants'; participants: ParticipantsRequest }
  | { type: 'message'; message: RoomMessageRequest }
  | { type: 'switchto'; switchto: SwitchToRequest }
  | { type: 'dialout'; dialout: DialoutRequest };

/** The `type` of a backend rooms API request. */
export type BackendRoomRequestType = BackendRoomRequest['type'];

/** Upstream answers bodies that do not decode into its request struct like unreadable ones. */
const unreadable = () => new BackendApiError(400, 'Could not read body');

function strings(obj: JsonObject, key: string): string[] {
  const value = obj[key];
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw unreadable();
  }
  return value as string[];
}

function objects(obj: JsonObject, key: string): JsonObject[] {
  const value = obj[key];
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw unreadable();
  }
  // Entries are copied: later processing maps their session ids.
  return value.map((entry) => {
    if (entry === null) {
      return {};
    }
    if (!isObject(entry)) {
      throw unreadable();
    }
    return { ...entry };
  });
}

function text(obj: JsonObject, key: string): string {
  const value = obj[key];
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value !== 'string') {
    throw unreadable();
  }
  return value;
}

function flag(obj: JsonObject, key: string): boolean {
  const value = obj[key];
  if (value === undefined || value === null) {
    return false;
  }
  if (typeof value !== 'boolean') {
    throw unreadable();
  }
  return value;
}

/**
 * `sessions` of a `switchto` request. Upstream only notices a wrong shape while processing and
 * answers it with a 500; it is bad input, so it is refused like the other malformed bodies.
 */
function switchToSessions(obj: JsonObject): SwitchToSessions {
  const value = obj.sessions;
  if (value === undefined || value === null) {
    return { kind: 'list', ids: [] };
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return { kind: 'list', ids: value as string[] };
    }
  } else if (isObject(value)) {
    return { kind: 'map', entries: Object.entries(value) };
  }
  throw new BackendApiError(400, 'Invalid sessions in switchto request');
}

/** JSON null and absence both mean "no value" for raw fields. */
const raw = (value: unknown): unknown => (value === null ? undefined : value);

function body(request: JsonObject, type: string): JsonObject {
  const value = request[type];
  if (value === undefined || value === null) {
    // Upstream crashes on this; answer it as a bad request.
    throw new BackendApiError(400, `Missing ${type} in request`);
  }
  if (!isObject(value)) {
    throw unreadable();
  }
  return value;
}

/**
 * Validates a body of `POST /api/v1/room/<roomid>` (already JSON-decoded). Throws
 * {@link BackendApiError} with status 400 and upstream's messages: `Could not read body` for
 * values of the wrong type, `Unsupported request type: <type>` for unknown types; bodies upstream
 * has no answer for get `Missing <type> in request` and `Invalid sessions in switchto request`.
 * Whatever passes is safe to process: the processor never fails on the request's shape.
 */
export function parseBackendRoomRequest(decoded: unknown): BackendRoomRequest {
  if (!isObject(decoded)) {
    throw unreadable();
  }
  const type = text(decoded, 'type');
  switch (type) {
    case 'invite': {
      const b = body(decoded, type);
      return {
        type,
        invite: {
          userids: strings(b, 'userids'),
          alluserids: strings(b, 'alluserids'),
          properties: raw(b.properties),
        },
      };
    }
    case 'disinvite': {
      const b = body(decoded, type);
      return {
        type,
        disinvite: {
          userids: strings(b, 'userids'),
          sessionids: strings(b, 'sessionids'),
          alluserids: strings(b, 'alluserids'),
          properties: raw(b.properties),
        },
      };
    }
    case 'update': {
      const b = body(decoded, type);
      return { type, update: { userids: strings(b, 'userids'), properties: raw(b.properties) } };
    }
    case 'delete': {
      const b = body(decoded, type);
      return { type, delete: { userids: strings(b, 'userids') } };
    }
    case 'incall': {
      const b = body(decoded, type);
      return {
        type,
        incall: {
          incall: raw(b.incall),
          all: flag(b, 'all'),
          changed: objects(b, 'changed'),
          users: objects(b, 'users'),
        },
      };
    }
    case 'participants': {
      const b = body(decoded, type);
      return { type, participants: { changed: objects(b, 'changed'), users: objects(b, 'users') } };
    }
    case 'message': {
      const b = body(decoded, type);
      return { type, message: { data: raw(b.data) } };
    }
    case 'switchto': {
      const b = body(decoded, type);
      return { type, switchto: { roomid: text(b, 'roomid'), sessions: switchToSessions(b) } };
    }
    case 'dialout': {
      const b = body(decoded, type);
      return { type, dialout: { number: text(b, 'number'), options: raw(b.options) } };
    }
    default:
      throw new BackendApiError(400, `Unsupported request type: ${type}`);
  }
}

/** The flags of an `incall` "all" request: a number, or a boolean (true = in call). */
export function parseInCallAllValue(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 1 : 0;
  }
  return undefined;
}
