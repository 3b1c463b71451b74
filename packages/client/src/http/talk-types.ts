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

/**
 * One value of a chat message's `messageParameters`: a Nextcloud rich object (`type`, `id`, `name`
 * and fields that depend on the type). Talk uses `user`, `guest`, `user-group`/`group`, `circle`,
 * `email`, `call` (a mention of the whole conversation or a call), `file`, `highlight`,
 * `deck-card`, `geo-location`, `talk-poll` and more; federated users are `user` with `server`.
 */
export interface RichObjectParameter {
  /** The kind of object (`user`, `guest`, `file`, `call`, …). */
  type: string;
  /** Its id: a user id, `guest/<actorId>`, a conversation token, a file id, … */
  id: string;
  /** What to show for it: a display name, file name, conversation name, poll question, … */
  name: string;
  /** Home server of a federated user. */
  server?: string;
  /** A web link to the object (files, deck cards, circles). */
  link?: string;
  /** What a client sends as `@…` to mention this actor again. */
  'mention-id'?: string;
  /** `one2one`, `group` or `public` for `call` objects. */
  'call-type'?: string;
  /** Avatar of a mentioned conversation. */
  'icon-url'?: string;
  /** Path of a file, relative to the viewer's home folder. */
  path?: string;
  /** File size in bytes. */
  size?: number;
  /** MIME type of a file. */
  mimetype?: string;
  /** `yes` when the server can render a preview of a file. */
  'preview-available'?: string;
  /** Coordinates of a `geo-location`. */
  latitude?: string;
  longitude?: string;
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
  /** The text, with `{placeholders}` for `messageParameters` (see `renderChatMessage`). */
  message: string;
  /** The rich objects the placeholders in `message` stand for, keyed by placeholder name. */
  messageParameters: Record<string, RichObjectParameter>;
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
  helloAuthParams: {
    '1.0'?: JsonObject;
    '2.0'?: { token: string };
    /**
     * Internal client (`auth.type: "internal"`): `random`, `token` = HMAC-SHA256 of `random` with
     * the server's `[clients] internalsecret` (hex), and `backend` = the Nextcloud base URL.
     * Never from Talk's settings for a participant; see `InternalClient`.
     */
    internal?: { random: string; token: string; backend: string };
  };
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
    messageParameters: parseMessageParameters(data.messageParameters),
    messageType: strField(data, 'messageType', 'comment'),
    systemMessage: strField(data, 'systemMessage'),
    referenceId: strField(data, 'referenceId'),
    raw: data,
  };
}

const OPTIONAL_STRINGS = [
  'server',
  'link',
  'mention-id',
  'call-type',
  'icon-url',
  'path',
  'mimetype',
  'preview-available',
  'latitude',
  'longitude',
] as const;

/** Parses one rich object parameter; undefined when it has no `type` (not a rich object). */
export function parseRichObjectParameter(data: unknown): RichObjectParameter | undefined {
  if (!isObject(data) || typeof data.type !== 'string') {
    return undefined;
  }
  // Ids are strings in Talk's output, but some objects (polls, older messages) carry numbers.
  const id = typeof data.id === 'number' ? String(data.id) : strField(data, 'id');
  const parameter: RichObjectParameter = {
    type: data.type,
    id,
    name: strField(data, 'name'),
    raw: data,
  };
  for (const key of OPTIONAL_STRINGS) {
    const value = data[key];
    if (typeof value === 'string') {
      parameter[key] = value;
    } else if (typeof value === 'number') {
      parameter[key] = String(value);
    }
  }
  if (data.size !== undefined) {
    const size = numField(data, 'size', Number.NaN);
    if (!Number.isNaN(size)) {
      parameter.size = size;
    }
  }
  return parameter;
}

/** Parses `messageParameters` (PHP sends an empty map as `[]`); entries without a type are dropped. */
export function parseMessageParameters(data: unknown): Record<string, RichObjectParameter> {
  const out: Record<string, RichObjectParameter> = {};
  if (!isObject(data)) {
    return out;
  }
  for (const [key, value] of Object.entries(data)) {
    const parameter = parseRichObjectParameter(value);
    if (parameter !== undefined) {
      out[key] = parameter;
    }
  }
  return out;
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
