import { ClientError } from '../util/client-error.js';
import {
  boolField,
  isObject,
  type JsonObject,
  numField,
  objField,
  optStr,
  strField,
} from '../util/json.js';

/** The conversation as Talk returns it from `participants/active` and `GET room/{token}`. */
export interface TalkRoom {
  token: string;
  /** Display name of the conversation (Talk's `displayName`). */
  name: string;
  /** Talk session id of this client (what the signaling `room` join needs); '0' when none. */
  sessionId: string;
  /** `users` or `guests` (or another Talk actor type). */
  actorType: string;
  actorId: string;
  /** Talk participant type: 1 owner, 2 moderator, 3 user, 4 guest, 5 user following a link, 6 guest moderator. */
  participantType: number;
  /** Effective attendee permission bit field (16 publish audio, 32 publish video, 128 chat …). */
  permissions: number;
  readOnly: boolean;
  /** 0 no lobby, 1 lobby for non-moderators. */
  lobbyState: number;
  hasPassword: boolean;
  /** In-call flags of the conversation's running call (0 = no call). */
  callFlag: number;
  /** The raw object, for fields not listed here. */
  raw: JsonObject;
}

/** One chat message (Talk's chat API object; `raw` has all fields). */
export interface ChatMessage {
  id: number;
  token: string;
  actorType: string;
  actorId: string;
  actorDisplayName: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** The text, with `{placeholders}` for `messageParameters`. */
  message: string;
  /** `comment`, `system`, `command`, … */
  messageType: string;
  /** System message id (e.g. `call_started`), empty for comments. */
  systemMessage: string;
  referenceId: string;
  raw: JsonObject;
}

/** An ICE server from the signaling settings. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** `GET …/api/v3/signaling/settings?token=` */
export interface SignalingSettings {
  /** `external` for a standalone signaling server, `internal` for Talk's own (unsupported here). */
  signalingMode: string;
  userId: string | null;
  /** Signaling server base URL(s) as configured in Talk. */
  server: string | string[];
  /** Hello v1 ticket. */
  ticket: string;
  /** `1.0`: `{userid, ticket}`; `2.0`: `{token}` (a JWT valid for about 60 s). */
  helloAuthParams: { '1.0'?: JsonObject; '2.0'?: { token: string } };
  stunServers: IceServer[];
  turnServers: IceServer[];
  raw: JsonObject;
}

/** The `spreed` part of the Nextcloud capabilities. */
export interface TalkCapabilities {
  features: string[];
  /** `config.<group>.<key>` values. */
  config: JsonObject;
  version: string;
}

function bad(what: string, detail: string): ClientError {
  return new ClientError('server_error', `unexpected ${what} from the server: ${detail}`);
}

/** Parses the room object of `participants/active` / `GET room/{token}`. */
export function parseTalkRoom(data: unknown): TalkRoom {
  if (!isObject(data) || typeof data.token !== 'string') {
    throw bad('conversation data', 'no token');
  }
  return {
    token: data.token,
    name: strField(data, 'displayName', strField(data, 'name')),
    sessionId: strField(data, 'sessionId', '0'),
    actorType: strField(data, 'actorType'),
    actorId: strField(data, 'actorId'),
    participantType: numField(data, 'participantType'),
    permissions: numField(data, 'permissions'),
    readOnly: numField(data, 'readOnly') === 1,
    lobbyState: numField(data, 'lobbyState'),
    hasPassword: boolField(data, 'hasPassword'),
    callFlag: numField(data, 'callFlag'),
    raw: data,
  };
}

/** Parses one chat message object. */
export function parseChatMessage(data: unknown): ChatMessage {
  if (!isObject(data) || typeof data.id !== 'number') {
    throw bad('chat message', 'no numeric id');
  }
  return {
    id: data.id,
    token: strField(data, 'token'),
    actorType: strField(data, 'actorType'),
    actorId: strField(data, 'actorId'),
    actorDisplayName: strField(data, 'actorDisplayName'),
    timestamp: numField(data, 'timestamp'),
    message: strField(data, 'message'),
    messageType: strField(data, 'messageType', 'comment'),
    systemMessage: strField(data, 'systemMessage'),
    referenceId: strField(data, 'referenceId'),
    raw: data,
  };
}

/** Parses a list of chat messages (an empty PHP array may arrive as `[]` or `{}`). */
export function parseChatMessages(data: unknown): ChatMessage[] {
  if (Array.isArray(data)) {
    return data.map(parseChatMessage);
  }
  if (isObject(data)) {
    return Object.values(data).map(parseChatMessage);
  }
  return [];
}

function parseIceServers(value: unknown): IceServer[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const out: IceServer[] = [];
  for (const entry of value) {
    if (!isObject(entry)) {
      continue;
    }
    const raw = entry.urls ?? entry.url;
    const urls = (Array.isArray(raw) ? raw : [raw]).filter(
      (u): u is string => typeof u === 'string' && u !== '',
    );
    if (urls.length === 0) {
      continue;
    }
    const server: IceServer = { urls };
    const username = optStr(entry, 'username');
    const credential = optStr(entry, 'credential');
    if (username !== undefined && username !== '') {
      server.username = username;
    }
    if (credential !== undefined && credential !== '') {
      server.credential = credential;
    }
    out.push(server);
  }
  return out;
}

/** Parses the signaling settings. */
export function parseSignalingSettings(data: unknown): SignalingSettings {
  if (!isObject(data)) {
    throw bad('signaling settings', 'not an object');
  }
  const serverValue = data.server;
  const server = Array.isArray(serverValue)
    ? serverValue.filter((s): s is string => typeof s === 'string')
    : typeof serverValue === 'string'
      ? serverValue
      : '';
  const params = objField(data, 'helloAuthParams') ?? {};
  const helloAuthParams: SignalingSettings['helloAuthParams'] = {};
  const v1 = objField(params, '1.0');
  if (v1 !== undefined) {
    helloAuthParams['1.0'] = v1;
  }
  const v2 = objField(params, '2.0');
  if (v2 !== undefined && typeof v2.token === 'string' && v2.token !== '') {
    helloAuthParams['2.0'] = { token: v2.token };
  }
  return {
    signalingMode: strField(data, 'signalingMode', 'internal'),
    userId: typeof data.userId === 'string' && data.userId !== '' ? data.userId : null,
    server,
    ticket: strField(data, 'ticket'),
    helloAuthParams,
    stunServers: parseIceServers(data.stunservers),
    turnServers: parseIceServers(data.turnservers),
    raw: data,
  };
}

/** Parses `ocs.data` of `GET /ocs/v2.php/cloud/capabilities`; undefined when Talk is absent. */
export function parseTalkCapabilities(data: unknown): TalkCapabilities | undefined {
  const capabilities = isObject(data) ? objField(data, 'capabilities') : undefined;
  const spreed = capabilities === undefined ? undefined : objField(capabilities, 'spreed');
  if (spreed === undefined) {
    return undefined;
  }
  const features = Array.isArray(spreed.features)
    ? spreed.features.filter((f): f is string => typeof f === 'string')
    : [];
  return {
    features,
    config: objField(spreed, 'config') ?? {},
    version: strField(spreed, 'version'),
  };
}

/** `config.<group>.<key>` of the Talk capabilities. */
export function capabilityConfig(caps: TalkCapabilities, group: string, key: string): unknown {
  return objField(caps.config, group)?.[key];
}

/**
 * Whether calls in this Talk instance are end-to-end encrypted (`config.call.end-to-end-encryption`,
 * only meaningful together with the `call-end-to-end-encryption` feature): browsers then encrypt
 * every media frame with keys exchanged over Olm, and a client without E2EE support would only
 * hear noise.
 */
export function callsAreEndToEndEncrypted(caps: TalkCapabilities): boolean {
  return capabilityConfig(caps, 'call', 'end-to-end-encryption') === true;
}
