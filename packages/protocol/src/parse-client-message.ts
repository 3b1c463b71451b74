import type {
  ClientMessage,
  ClientType,
  DialoutMessage,
  HelloRequest,
  InternalRequest,
  JsonObject,
  MessageRequest,
  Recipient,
  RoomFederation,
  RoomRequest,
  TransientRequest,
} from './client-messages.js';
import { ProtocolError } from './errors.js';
import { JsonDepthError, MAX_JSON_DEPTH, parseJsonBounded } from './json-depth.js';
import {
  isObject,
  optInt,
  optObject,
  optString,
  optStringArray,
  optUint32,
  reqObject,
  str,
} from './json-guards.js';
import { rawMemberText } from './raw-json.js';
import { canonicalBackendUrl } from './urls.js';

/** Thrown for a `hello` with a version other than 1.0 or 2.0 (code `invalid_hello_version`). */
export class InvalidHelloVersionError extends ProtocolError {
  constructor(version: unknown) {
    super(`unsupported hello version ${JSON.stringify(version)}`);
    this.name = 'InvalidHelloVersionError';
    Object.defineProperty(this, 'code', { value: 'invalid_hello_version' });
  }
}

function parseHello(body: JsonObject): HelloRequest {
  const version = body.version;
  if (version !== '1.0' && version !== '2.0') {
    throw new InvalidHelloVersionError(version);
  }
  const features = optStringArray(body, 'features', 'hello') ?? [];
  const resumeid = optString(body, 'resumeid', 'hello');
  if (resumeid) {
    return { version, features, resumeid };
  }
  const auth = optObject(body, 'auth', 'hello');
  const params = auth ? optObject(auth, 'params', 'hello.auth') : undefined;
  if (!auth || !params) {
    throw new ProtocolError('hello.auth.params missing');
  }
  const type = str(auth, 'type', 'hello.auth') || 'client';
  if (type !== 'client' && type !== 'internal' && type !== 'federation') {
    throw new ProtocolError(`unsupported auth type ${type}`);
  }
  const clientType: ClientType = type;
  if (clientType === 'internal') {
    const backend = str(params, 'backend', 'hello.auth.params');
    if (!backend) {
      throw new ProtocolError('hello.auth.params.backend missing');
    }
    return { version, features, auth: { type: clientType, params } };
  }
  const rawUrl = str(auth, 'url', 'hello.auth');
  if (!rawUrl) {
    throw new ProtocolError('hello.auth.url missing');
  }
  const url = canonicalBackendUrl(rawUrl);
  if (url === undefined) {
    throw new ProtocolError('hello.auth.url is not a valid URL');
  }
  if (version === '2.0' && !str(params, 'token', 'hello.auth.params')) {
    throw new ProtocolError('hello.auth.params.token missing');
  }
  return { version, features, auth: { type: clientType, url, params } };
}

function parseFederation(obj: JsonObject): RoomFederation {
  let signaling = str(obj, 'signaling', 'room.federation');
  const url = str(obj, 'url', 'room.federation');
  const token = str(obj, 'token', 'room.federation');
  if (!signaling) {
    throw new ProtocolError('room.federation.signaling missing');
  }
  if (!signaling.endsWith('/')) {
    signaling += '/';
  }
  if (!URL.canParse(signaling)) {
    throw new ProtocolError('room.federation.signaling is not a valid URL');
  }
  if (!url) {
    throw new ProtocolError('room.federation.url missing');
  }
  if (!URL.canParse(url)) {
    throw new ProtocolError('room.federation.url is not a valid URL');
  }
  if (!token) {
    throw new ProtocolError('room.federation.token missing');
  }
  const federation: RoomFederation = { signaling, url, token };
  const roomid = optString(obj, 'roomid', 'room.federation');
  if (roomid) {
    federation.roomid = roomid;
  }
  return federation;
}

function parseRoom(body: JsonObject): RoomRequest {
  const room: RoomRequest = { roomid: str(body, 'roomid', 'room') };
  const sessionid = optString(body, 'sessionid', 'room');
  if (sessionid) {
    room.sessionid = sessionid;
  }
  const federation = optObject(body, 'federation', 'room');
  if (federation) {
    room.federation = parseFederation(federation);
  }
  return room;
}

function parseRecipient(body: JsonObject, where: string): Recipient {
  const recipient = optObject(body, 'recipient', where) ?? {};
  const type = str(recipient, 'type', `${where}.recipient`);
  switch (type) {
    case 'session': {
      const sessionid = str(recipient, 'sessionid', `${where}.recipient`);
      if (!sessionid) {
        throw new ProtocolError(`${where}.recipient.sessionid missing`);
      }
      return { type, sessionid };
    }
    case 'user': {
      const userid = str(recipient, 'userid', `${where}.recipient`);
      if (!userid) {
        throw new ProtocolError(`${where}.recipient.userid missing`);
      }
      return { type, userid };
    }
    case 'room':
    case 'call':
      return { type };
    default:
      throw new ProtocolError(`unsupported recipient type ${JSON.stringify(type)}`);
  }
}

function parseMessage(body: JsonObject, where: string): MessageRequest {
  const data = body.data;
  if (data === undefined || data === null) {
    throw new ProtocolError(`${where}.data missing`);
  }
  return { recipient: parseRecipient(body, where), data };
}

function parseTransient(body: JsonObject): TransientRequest | null {
  const type = str(body, 'type', 'transient');
  switch (type) {
    case 'set': {
      const key = str(body, 'key', 'transient');
      if (!key) {
        throw new ProtocolError('transient.key missing');
      }
      const ttl = body.ttl;
      if (ttl !== undefined && ttl !== null && (typeof ttl !== 'number' || !Number.isFinite(ttl))) {
        throw new ProtocolError('transient.ttl must be a number of nanoseconds');
      }
      const msg: TransientRequest = { type, key, value: body.value ?? null };
      if (typeof ttl === 'number' && ttl > 0) {
        msg.ttl = ttl;
      }
      return msg;
    }
    case 'remove': {
      const key = str(body, 'key', 'transient');
      if (!key) {
        throw new ProtocolError('transient.key missing');
      }
      return { type, key };
    }
    case '':
      throw new ProtocolError('transient.type missing');
    default:
      return null;
  }
}

function parseSessionCommon(obj: JsonObject, where: string): { sessionid: string; roomid: string } {
  const sessionid = str(obj, 'sessionid', where);
  const roomid = str(obj, 'roomid', where);
  if (!sessionid) {
    throw new ProtocolError(`${where}.sessionid missing`);
  }
  if (!roomid) {
    throw new ProtocolError(`${where}.roomid missing`);
  }
  return { sessionid, roomid };
}

function assignDefined<T extends object, U extends object>(
  target: T,
  values: { [K in keyof U]: U[K] | undefined },
): T & Partial<U> {
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) {
      (target as Record<string, unknown>)[key] = value;
    }
  }
  return target as T & Partial<U>;
}

function parseInternal(body: JsonObject): InternalRequest | null {
  const type = str(body, 'type', 'internal');
  switch (type) {
    case 'addsession': {
      const add = reqObject(body, 'addsession', 'internal');
      const options = optObject(add, 'options', 'internal.addsession');
      return {
        type,
        addsession: assignDefined(parseSessionCommon(add, 'internal.addsession'), {
          userid: optString(add, 'userid', 'internal.addsession'),
          user: add.user ?? undefined,
          flags: optUint32(add, 'flags', 'internal.addsession'),
          incall: optInt(add, 'incall', 'internal.addsession'),
          options: options
            ? assignDefined(
                {},
                {
                  actorId: optString(options, 'actorId', 'internal.addsession.options'),
                  actorType: optString(options, 'actorType', 'internal.addsession.options'),
                },
              )
            : undefined,
        }),
      };
    }
    case 'updatesession': {
      const upd = reqObject(body, 'updatesession', 'internal');
      return {
        type,
        updatesession: assignDefined(parseSessionCommon(upd, 'internal.updatesession'), {
          flags: optUint32(upd, 'flags', 'internal.updatesession'),
          incall: optInt(upd, 'incall', 'internal.updatesession'),
        }),
      };
    }
    case 'removesession': {
      const rem = reqObject(body, 'removesession', 'internal');
      return {
        type,
        removesession: assignDefined(parseSessionCommon(rem, 'internal.removesession'), {
          userid: optString(rem, 'userid', 'internal.removesession'),
        }),
      };
    }
    case 'incall': {
      const incall = reqObject(body, 'incall', 'internal');
      return { type, incall: { incall: optInt(incall, 'incall', 'internal.incall') ?? 0 } };
    }
    case 'dialout': {
      const dialout = reqObject(body, 'dialout', 'internal');
      const dtype = str(dialout, 'type', 'internal.dialout');
      if (!dtype) {
        throw new ProtocolError('internal.dialout.type missing');
      }
      if (dtype === 'error' && !isObject(dialout.error)) {
        throw new ProtocolError('internal.dialout.error missing');
      }
      if (dtype === 'status' && !isObject(dialout.status)) {
        throw new ProtocolError('internal.dialout.status missing');
      }
      return { type, dialout: dialout as unknown as DialoutMessage };
    }
    case '':
      throw new ProtocolError('internal.type missing');
    default:
      return null;
  }
}

/**
 * Validates one decoded client frame. Throws {@link ProtocolError} (code `invalid_format`, or
 * `invalid_hello_version`) naming the offending field. A frame of an unknown type comes back as
 * `{type: 'unsupported'}` so the caller can answer as upstream does.
 */
export function parseClientMessage(raw: unknown): ClientMessage {
  if (!isObject(raw)) {
    throw new ProtocolError('message is not a JSON object');
  }
  const id = optString(raw, 'id', 'message');
  const type = str(raw, 'type', 'message');
  const withId = <T extends ClientMessage>(msg: T): T => {
    if (id !== undefined && id !== '') {
      msg.id = id;
    }
    return msg;
  };
  switch (type) {
    case '':
      throw new ProtocolError('type missing');
    case 'hello':
      return withId({ type, hello: parseHello(reqObject(raw, 'hello', 'message')) });
    case 'bye':
      return withId({ type, bye: optObject(raw, 'bye', 'message') ?? {} });
    case 'room':
      return withId({ type, room: parseRoom(reqObject(raw, 'room', 'message')) });
    case 'message':
      return withId({
        type,
        message: parseMessage(reqObject(raw, 'message', 'message'), 'message'),
      });
    case 'control':
      return withId({
        type,
        control: parseMessage(reqObject(raw, 'control', 'message'), 'control'),
      });
    case 'internal': {
      const internal = parseInternal(reqObject(raw, 'internal', 'message'));
      return withId(internal ? { type, internal } : { type: 'unsupported', original: 'internal' });
    }
    case 'transient': {
      const transient = parseTransient(reqObject(raw, 'transient', 'message'));
      return withId(
        transient ? { type, transient } : { type: 'unsupported', original: 'transient' },
      );
    }
    default:
      return withId({ type: 'unsupported', original: type });
  }
}

/** Decodes and validates one text frame. */
export function decodeClientFrame(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = parseJsonBounded(text, MAX_JSON_DEPTH);
  } catch (cause) {
    if (cause instanceof JsonDepthError) {
      throw new ProtocolError(`frame is nested deeper than ${cause.limit} levels`, { cause });
    }
    throw new ProtocolError('frame is not valid JSON', { cause });
  }
  const message = parseClientMessage(raw);
  if (message.type === 'message' || message.type === 'control') {
    const body = message.type === 'message' ? message.message : message.control;
    const dataJson = rawMemberText(text, message.type === 'message' ? MESSAGE_DATA : CONTROL_DATA);
    if (dataJson !== undefined) {
      body.dataJson = dataJson;
    }
  }
  return message;
}

const MESSAGE_DATA = ['message', 'data'];
const CONTROL_DATA = ['control', 'data'];
