import { isObject, type JsonObject, type WireError } from '@spreed-ts/protocol';
import type { ClientSession } from '../hub/client-session.js';

/** Version field of every request to Talk's signaling backend endpoint. */
const BACKEND_VERSION = '1.0';

/** Fields of a `room` request to Talk (join, or leave with `action`). */
export interface RoomRequestFields {
  roomid: string;
  userid: string;
  sessionid: string;
  action?: 'leave';
  actorid?: string;
  actortype?: string;
  /** Sent only when non-zero. */
  incall?: number;
}

/** `{type:"room"}` request body, in upstream's key order. */
export function roomRequest(fields: RoomRequestFields): JsonObject {
  const room: JsonObject = { version: BACKEND_VERSION, roomid: fields.roomid };
  if (fields.action !== undefined) {
    room.action = fields.action;
  }
  room.userid = fields.userid;
  room.sessionid = fields.sessionid;
  if (fields.actorid && fields.actortype) {
    room.actorid = fields.actorid;
    room.actortype = fields.actortype;
  }
  if (fields.incall) {
    room.incall = fields.incall;
  }
  return { type: 'room', room };
}

/**
 * Actor of a federated session, taken from its hello user data (`actorId` / `actorType`), which Talk
 * needs to identify it in room requests.
 */
export function federationActor(
  session: ClientSession,
): { actorid: string; actortype: string } | undefined {
  if (session.clientType !== 'federation' || !isObject(session.user)) {
    return undefined;
  }
  const { actorId, actorType } = session.user;
  return typeof actorId === 'string' && typeof actorType === 'string'
    ? { actorid: actorId, actortype: actorType }
    : undefined;
}

/** `{type:"session"}` request body (virtual sessions without a Talk actor). */
export function sessionRequest(fields: {
  roomid: string;
  action: 'add' | 'remove';
  sessionid: string;
  userid: string;
  user: unknown;
}): JsonObject {
  const session: JsonObject = {
    version: BACKEND_VERSION,
    roomid: fields.roomid,
    action: fields.action,
    sessionid: fields.sessionid,
  };
  if (fields.userid !== '') {
    session.userid = fields.userid;
  }
  if (fields.user !== undefined && fields.user !== null) {
    session.user = fields.user;
  }
  return { type: 'session', session };
}

/** One session Talk should keep alive. */
export interface PingEntry {
  sessionid: string;
  /** Omitted when empty. */
  userid: string;
}

/** `{type:"ping"}` request body; `roomid` is empty for combined pings. */
export function pingRequest(roomid: string, entries: readonly PingEntry[]): JsonObject {
  return {
    type: 'ping',
    ping: {
      version: BACKEND_VERSION,
      roomid,
      entries: entries.map((e) =>
        e.userid === '' ? { sessionid: e.sessionid } : { userid: e.userid, sessionid: e.sessionid },
      ),
    },
  };
}

/** Talk's answer to a room join, as far as the server uses it. */
export type RoomJoinResponse =
  | { type: 'error'; error: WireError }
  | {
      type: 'room';
      /** The room actually joined (Talk's, not necessarily the requested spelling). */
      roomid: string;
      properties: unknown;
      /** Replaces the session's permissions when present (also when empty). */
      permissions: string[] | undefined;
      /** `room.session.userid`: the user id an anonymous session appears with. */
      sessionUserId: string | undefined;
    }
  | { type: 'other' };

/** Talk's `error` object, when it is one. */
export function parseTalkError(value: unknown): WireError | undefined {
  if (!isObject(value) || typeof value.code !== 'string' || value.code === '') {
    return undefined;
  }
  const error: WireError = {
    code: value.code,
    message: typeof value.message === 'string' ? value.message : '',
  };
  if (value.details !== undefined && value.details !== null) {
    error.details = value.details;
  }
  return error;
}

/** Thrown for a join response that cannot be decoded (reported to the client as internal_error). */
export class InvalidTalkResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTalkResponseError';
  }
}

/**
 * Reads Talk's answer to a `room` request (the OCS-unwrapped data). Upstream checks nothing beyond
 * the type; a missing `room` object counts as a failed join here instead of a crash.
 */
export function parseRoomJoinResponse(data: unknown): RoomJoinResponse {
  if (!isObject(data)) {
    throw new InvalidTalkResponseError('room response is not an object');
  }
  if (data.type === 'error') {
    const error = parseTalkError(data.error);
    return error ? { type: 'error', error } : { type: 'other' };
  }
  if (data.type !== 'room' || !isObject(data.room)) {
    return { type: 'other' };
  }
  const room = data.room;
  let permissions: string[] | undefined;
  if (room.permissions !== undefined && room.permissions !== null) {
    if (!Array.isArray(room.permissions) || !room.permissions.every((p) => typeof p === 'string')) {
      throw new InvalidTalkResponseError('room.permissions is not a list of strings');
    }
    permissions = room.permissions as string[];
  }
  let sessionUserId: string | undefined;
  if (isObject(room.session)) {
    const userid = room.session.userid;
    if (userid === undefined || userid === null || typeof userid === 'string') {
      sessionUserId = userid ?? '';
    }
  }
  return {
    type: 'room',
    roomid: typeof room.roomid === 'string' ? room.roomid : '',
    properties: room.properties ?? undefined,
    permissions,
    sessionUserId,
  };
}
