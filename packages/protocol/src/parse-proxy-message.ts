/**
 * Validation of the proxy API's frames, once at each edge: {@link decodeProxyClientFrame} on the
 * proxy (frames from signaling servers), {@link decodeProxyServerFrame} on the signaling server
 * (frames from proxies). Both throw {@link ProtocolError} with a reason a log line can show.
 */
import type { JsonObject } from './client-messages.js';
import { ProtocolError, quoteValue } from './errors.js';
import { JsonDepthError, MAX_PEER_JSON_DEPTH, parseJsonBounded } from './json-depth.js';
import { isObject, optInt, optObject, optString, optStringArray, str } from './json-guards.js';
import type {
  ProxyClientMessage,
  ProxyCommandRequest,
  ProxyCommandResponse,
  ProxyEvent,
  ProxyEventBandwidth,
  ProxyHelloRequest,
  ProxyPayloadRequest,
  ProxyPublisherSettings,
  ProxyPublisherStream,
  ProxyServerMessage,
} from './proxy-messages.js';

function decodeJson(text: string): JsonObject {
  let raw: unknown;
  try {
    raw = parseJsonBounded(text, MAX_PEER_JSON_DEPTH);
  } catch (cause) {
    if (cause instanceof JsonDepthError) {
      throw new ProtocolError(`frame is nested deeper than ${cause.limit} levels`, { cause });
    }
    throw new ProtocolError('frame is not valid JSON', { cause });
  }
  if (!isObject(raw)) {
    throw new ProtocolError('frame is not a JSON object');
  }
  return raw;
}

function optNumber(obj: JsonObject, key: string, where: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ProtocolError(`${where}.${key} must be a number`);
  }
  return value;
}

/** An optional UDP port (`publish-remote`): an integer 0..65535. */
function optPort(obj: JsonObject, key: string, where: string): number | undefined {
  const value = optInt(obj, key, where);
  if (value !== undefined && (value < 0 || value > 65_535)) {
    throw new ProtocolError(`${where}.${key} must be a port number`);
  }
  return value;
}

function optBool(obj: JsonObject, key: string, where: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'boolean') {
    throw new ProtocolError(`${where}.${key} must be a boolean`);
  }
  return value;
}

/** `T` with its possibly-undefined members made optional and never undefined. */
type Defined<T> = {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Copies the defined entries of `fields` (keeps parsed objects free of `undefined` members). */
function defined<T extends object>(fields: T): Defined<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) {
      out[key] = value;
    }
  }
  return out as Defined<T>;
}

// ---------------------------------------------------------------------------------------------
// Signaling server -> proxy

function parseHello(body: JsonObject): ProxyHelloRequest {
  const version = str(body, 'version', 'hello');
  if (version !== '1.0') {
    throw new ProtocolError(`unsupported hello version: ${quoteValue(version)}`);
  }
  const resumeid = optString(body, 'resumeid', 'hello');
  const token = optString(body, 'token', 'hello');
  if (!resumeid && !token) {
    throw new ProtocolError('token missing');
  }
  return defined({
    version,
    resumeid,
    token,
    features: optStringArray(body, 'features', 'hello'),
  });
}

function parsePublisherSettings(body: JsonObject | undefined): ProxyPublisherSettings | undefined {
  if (body === undefined) {
    return undefined;
  }
  const where = 'command.publisherSettings';
  return defined({
    bitrate: optNumber(body, 'bitrate', where),
    mediatypes: optInt(body, 'mediatypes', where),
    audiocodec: optString(body, 'audiocodec', where),
    videocodec: optString(body, 'videocodec', where),
    vp9_profile: optString(body, 'vp9_profile', where),
    h264_profile: optString(body, 'h264_profile', where),
  });
}

function parseCommand(body: JsonObject): ProxyCommandRequest {
  const where = 'command';
  const type = str(body, 'type', where);
  const command: ProxyCommandRequest = defined({
    type,
    sid: optString(body, 'sid', where),
    streamType: optString(body, 'streamType', where),
    publisherId: optString(body, 'publisherId', where),
    clientId: optString(body, 'clientId', where),
    bitrate: optNumber(body, 'bitrate', where),
    mediatypes: optInt(body, 'mediatypes', where),
    publisherSettings: parsePublisherSettings(optObject(body, 'publisherSettings', where)),
    remoteUrl: optString(body, 'remoteUrl', where),
    remoteToken: optString(body, 'remoteToken', where),
    hostname: optString(body, 'hostname', where),
    port: optPort(body, 'port', where),
    rtcpPort: optPort(body, 'rtcpPort', where),
  });
  switch (type) {
    case '':
      throw new ProtocolError('type missing');
    case 'create-publisher':
      if (!command.streamType) {
        throw new ProtocolError('stream type missing');
      }
      break;
    case 'create-subscriber':
      if (!command.publisherId) {
        throw new ProtocolError('publisher id missing');
      }
      if (!command.streamType) {
        throw new ProtocolError('stream type missing');
      }
      if (command.remoteUrl) {
        if (!command.remoteToken) {
          throw new ProtocolError('remote token missing');
        }
        if (!URL.canParse(command.remoteUrl)) {
          throw new ProtocolError('invalid remote url');
        }
      }
      break;
    case 'delete-publisher':
    case 'delete-subscriber':
      if (!command.clientId) {
        throw new ProtocolError('client id missing');
      }
      break;
  }
  return command;
}

function parsePayload(body: JsonObject): ProxyPayloadRequest {
  const where = 'payload';
  const type = str(body, 'type', where);
  const payload = optObject(body, 'payload', where);
  switch (type) {
    case '':
      throw new ProtocolError('type missing');
    case 'offer':
    case 'answer':
    case 'candidate':
      if (payload === undefined || Object.keys(payload).length === 0) {
        throw new ProtocolError('payload missing');
      }
      break;
  }
  const clientId = str(body, 'clientId', where);
  if (!clientId) {
    throw new ProtocolError('client id missing');
  }
  return defined({ type, clientId, sid: optString(body, 'sid', where), payload });
}

/** Validates a message a signaling server sent to the proxy (upstream's `CheckValid` rules). */
export function parseProxyClientMessage(raw: JsonObject): ProxyClientMessage {
  const id = optString(raw, 'id', 'message');
  const type = str(raw, 'type', 'message');
  const withId = <T extends object>(m: T): T & { id?: string } =>
    id === undefined ? m : { id, ...m };
  switch (type) {
    case '':
      throw new ProtocolError('type missing');
    case 'hello': {
      const hello = optObject(raw, 'hello', 'message');
      if (!hello) {
        throw new ProtocolError('hello missing');
      }
      return withId({ type, hello: parseHello(hello) });
    }
    case 'bye': {
      const bye = optObject(raw, 'bye', 'message');
      return withId(bye === undefined ? { type } : { type, bye });
    }
    case 'command': {
      const command = optObject(raw, 'command', 'message');
      if (!command) {
        throw new ProtocolError('command missing');
      }
      return withId({ type, command: parseCommand(command) });
    }
    case 'payload': {
      const payload = optObject(raw, 'payload', 'message');
      if (!payload) {
        throw new ProtocolError('payload missing');
      }
      return withId({ type, payload: parsePayload(payload) });
    }
    default:
      // Upstream lets unknown types through validation and answers them `bad_request`.
      throw new UnsupportedProxyMessageError(type, id);
  }
}

/** A well-formed frame of a type the proxy API does not have (answered `bad_request`). */
export class UnsupportedProxyMessageError extends ProtocolError {
  readonly messageType: string;
  readonly messageId: string | undefined;

  constructor(messageType: string, messageId: string | undefined) {
    super(`unsupported message type ${quoteValue(messageType)}`);
    this.name = 'UnsupportedProxyMessageError';
    this.messageType = messageType;
    this.messageId = messageId;
  }
}

/** Decodes and validates a frame a signaling server sent to the proxy. */
export function decodeProxyClientFrame(text: string): ProxyClientMessage {
  return parseProxyClientMessage(decodeJson(text));
}

// ---------------------------------------------------------------------------------------------
// Proxy -> signaling server

function parseStreams(value: unknown): ProxyPublisherStream[] | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw new ProtocolError('command.streams must be an array');
  }
  return value.map((entry, i): ProxyPublisherStream => {
    const where = `command.streams[${i}]`;
    if (!isObject(entry)) {
      throw new ProtocolError(`${where} must be an object`);
    }
    return defined({
      mid: str(entry, 'mid', where),
      mindex: optInt(entry, 'mindex', where) ?? 0,
      type: str(entry, 'type', where),
      description: optString(entry, 'description', where),
      disabled: optBool(entry, 'disabled', where),
      codec: optString(entry, 'codec', where),
      stereo: optBool(entry, 'stereo', where),
      fec: optBool(entry, 'fec', where),
      dtx: optBool(entry, 'dtx', where),
      simulcast: optBool(entry, 'simulcast', where),
      svc: optBool(entry, 'svc', where),
      h264_profile: optString(entry, 'h264_profile', where),
      vp9_profile: optString(entry, 'vp9_profile', where),
      videoorient_ext_id: optInt(entry, 'videoorient_ext_id', where),
      playoutdelay_ext_id: optInt(entry, 'playoutdelay_ext_id', where),
    });
  });
}

function parseCommandResponse(body: JsonObject): ProxyCommandResponse {
  const where = 'command';
  return defined({
    id: optString(body, 'id', where),
    sid: optString(body, 'sid', where),
    bitrate: optNumber(body, 'bitrate', where),
    streams: parseStreams(body.streams),
  });
}

function parseBandwidth(body: JsonObject | undefined): ProxyEventBandwidth | undefined {
  if (body === undefined) {
    return undefined;
  }
  const where = 'event.bandwidth';
  return defined({
    incoming: optNumber(body, 'incoming', where),
    outgoing: optNumber(body, 'outgoing', where),
    received: optNumber(body, 'received', where),
    sent: optNumber(body, 'sent', where),
  });
}

function parseEvent(body: JsonObject): ProxyEvent {
  const where = 'event';
  const type = str(body, 'type', where);
  if (!type) {
    throw new ProtocolError('event.type missing');
  }
  return defined({
    type,
    clientId: optString(body, 'clientId', where),
    load: optNumber(body, 'load', where),
    sid: optString(body, 'sid', where),
    bandwidth: parseBandwidth(optObject(body, 'bandwidth', where)),
  });
}

/** Validates a message a proxy sent to the signaling server. */
export function parseProxyServerMessage(raw: JsonObject): ProxyServerMessage {
  const id = optString(raw, 'id', 'message');
  const type = str(raw, 'type', 'message');
  const withId = <T extends object>(m: T): T & { id?: string } =>
    id === undefined ? m : { id, ...m };
  const body = (key: string): JsonObject => {
    const value = optObject(raw, key, 'message');
    if (!value) {
      throw new ProtocolError(`${key} missing`);
    }
    return value;
  };
  switch (type) {
    case 'hello': {
      const hello = body('hello');
      const sessionid = str(hello, 'sessionid', 'hello');
      if (!sessionid) {
        throw new ProtocolError('hello.sessionid missing');
      }
      const server = optObject(hello, 'server', 'hello');
      return withId({
        type,
        hello: defined({
          version: str(hello, 'version', 'hello'),
          sessionid,
          server:
            server === undefined
              ? undefined
              : defined({
                  version: str(server, 'version', 'hello.server'),
                  features: optStringArray(server, 'features', 'hello.server'),
                  country: optString(server, 'country', 'hello.server'),
                }),
        }),
      });
    }
    case 'error': {
      const error = body('error');
      return withId({
        type,
        error: defined({
          code: str(error, 'code', 'error'),
          message: str(error, 'message', 'error'),
          details: error.details,
        }),
      });
    }
    case 'bye': {
      const bye = optObject(raw, 'bye', 'message') ?? {};
      return withId({ type, bye: { reason: str(bye, 'reason', 'bye') } });
    }
    case 'command':
      return withId({ type, command: parseCommandResponse(body('command')) });
    case 'payload': {
      const payload = body('payload');
      const inner = payload.payload;
      if (inner !== undefined && inner !== null && !isObject(inner)) {
        throw new ProtocolError('payload.payload must be an object');
      }
      return withId({
        type,
        payload: {
          type: str(payload, 'type', 'payload'),
          clientId: str(payload, 'clientId', 'payload'),
          payload: inner ?? null,
        },
      });
    }
    case 'event':
      return withId({ type, event: parseEvent(body('event')) });
    default:
      throw new ProtocolError(`unknown message type ${quoteValue(type)}`);
  }
}

/** Decodes and validates a frame a proxy sent to the signaling server. */
export function decodeProxyServerFrame(text: string): ProxyServerMessage {
  return parseProxyServerMessage(decodeJson(text));
}
