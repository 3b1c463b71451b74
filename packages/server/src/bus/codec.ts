import { isIP } from 'node:net';
import {
  type EventSessionEntry,
  isObject,
  JsonDepthError,
  type JsonObject,
  MAX_PEER_JSON_DEPTH,
  type MessageSender,
  ProtocolError,
  parseJsonBounded,
  quoteValue,
  rawMemberText,
} from '@spreed-ts/protocol';
import type {
  BusMessage,
  MemberRole,
  MemberState,
  PublisherLocation,
  Received,
  RoomOp,
  RoomState,
  TransientEntry,
} from './messages.js';

/** Version of the envelope; a server drops messages of other versions. */
export const BUS_PROTOCOL_VERSION = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Serialises `message` from server `from` (JSON, UTF-8). */
export function encodeBusMessage(from: string, message: BusMessage): Uint8Array {
  if (message.type === 'session-relay' && message.dataJson !== undefined) {
    // The relayed data goes in as the text it arrived as; serialising it again would cost more
    // than everything else here together.
    const { dataJson, data: _parsed, ...rest } = message;
    const head = JSON.stringify({ v: BUS_PROTOCOL_VERSION, from, ...rest });
    return encoder.encode(`${head.slice(0, -1)},"data":${dataJson}}`);
  }
  return encoder.encode(JSON.stringify({ v: BUS_PROTOCOL_VERSION, from, ...message }));
}

/**
 * The one parser of the bus boundary: decodes and validates a payload. Throws {@link ProtocolError}
 * naming the bad field; unknown fields are ignored.
 */
export function decodeBusMessage(data: Uint8Array): Received {
  let raw: unknown;
  const text = decoder.decode(data);
  try {
    raw = parseJsonBounded(text, MAX_PEER_JSON_DEPTH);
  } catch (err) {
    throw new ProtocolError(
      err instanceof JsonDepthError ? err.message : 'bus message is not JSON',
      { cause: err },
    );
  }
  const received = parseBusMessage(raw);
  const message = received.message;
  if (message.type === 'session-relay') {
    const dataJson = rawMemberText(text, DATA_PATH);
    if (dataJson !== undefined) {
      message.dataJson = dataJson;
    }
  }
  return received;
}

const DATA_PATH = ['data'];

/** Validates a decoded envelope (see {@link decodeBusMessage}). */
export function parseBusMessage(raw: unknown): Received {
  const o = obj(raw, 'message');
  if (o.v !== BUS_PROTOCOL_VERSION) {
    throw new ProtocolError(`unsupported bus protocol version ${quoteValue(o.v)}`);
  }
  const from = text(o, 'from');
  if (from === '') {
    throw new ProtocolError('message.from missing');
  }
  return { from, message: parseBody(o) };
}

function parseBody(o: JsonObject): BusMessage {
  const type = text(o, 'type');
  switch (type) {
    case 'heartbeat':
      return {
        type,
        generation: int(o, 'generation'),
        interval: int(o, 'interval'),
        ttl: int(o, 'ttl'),
        version: text(o, 'version'),
      };
    case 'goodbye':
      return { type };
    case 'session-count':
      return { type, backend: text(o, 'backend') };
    case 'session-count-reply':
      return { type, count: int(o, 'count') };
    case 'resume-lookup':
      return { type, resumeid: text(o, 'resumeid') };
    case 'resume-lookup-reply': {
      const sessionid = optText(o, 'sessionid');
      return sessionid === undefined ? { type } : { type, sessionid };
    }
    case 'proxy-open':
      return {
        type,
        proxy: text(o, 'proxy'),
        frame: text(o, 'frame'),
        address: text(o, 'address'),
        useragent: text(o, 'useragent'),
      };
    case 'proxy-frame':
      return { type, proxy: text(o, 'proxy'), text: text(o, 'text') };
    case 'proxy-close':
      return { type, proxy: text(o, 'proxy') };
    case 'room-sync':
      return { type, rooms: texts(o, 'rooms') };
    case 'room-state':
      return { type, seq: int(o, 'seq'), rooms: list(o, 'rooms', roomState) };
    case 'room-op':
      return { type, room: text(o, 'room'), seq: int(o, 'seq'), op: roomOp(obj(o.op, 'op')) };
    case 'backend-request':
      return {
        type,
        backend: text(o, 'backend'),
        room: text(o, 'room'),
        stamp: text(o, 'stamp'),
        request: obj(o.request, 'request'),
      };
    case 'user-relay':
      return {
        type,
        backend: text(o, 'backend'),
        users: texts(o, 'users'),
        except: text(o, 'except'),
        text: text(o, 'text'),
        nick: bool(o, 'nick'),
      };
    case 'session-relay': {
      const relay = text(o, 'relay');
      if (relay !== 'message' && relay !== 'control') {
        throw new ProtocolError(`message.relay: unknown relay type ${quoteValue(relay)}`);
      }
      return {
        type,
        to: text(o, 'to'),
        relay,
        backend: text(o, 'backend'),
        sender: sender(obj(o.sender, 'sender')),
        data: o.data,
      };
    }
    case 'kick':
      return { type, roomsession: text(o, 'roomsession'), except: text(o, 'except') };
    case 'publisher-lookup':
      return { type, sessionid: text(o, 'sessionid'), streamtype: text(o, 'streamtype') };
    case 'publisher-lookup-reply':
      return o.publisher === undefined || o.publisher === null
        ? { type }
        : { type, publisher: publisherLocation(obj(o.publisher, 'publisher')) };
    case 'sfu-sendoffer':
      return {
        type,
        to: text(o, 'to'),
        sender: text(o, 'sender'),
        backend: text(o, 'backend'),
        data: o.data,
      };
    case 'publisher-closed': {
      const closed: BusMessage = {
        type,
        sessionid: text(o, 'sessionid'),
        streamtype: text(o, 'streamtype'),
        room: int(o, 'room'),
      };
      const client = optText(o, 'proxyclient');
      if (client !== undefined) {
        closed.proxyclient = bounded(client, 'proxyclient', MAX_PROXY_CLIENT_ID);
      }
      return closed;
    }
    default:
      throw new ProtocolError(`unknown bus message type ${quoteValue(type)}`);
  }
}

function roomOp(o: JsonObject): RoomOp {
  const type = text(o, 'type');
  switch (type) {
    case 'join':
      return { type, member: memberState(obj(o.member, 'member')) };
    case 'leave':
      return { type, sessionid: text(o, 'sessionid') };
    case 'change':
      return {
        type,
        sessionid: text(o, 'sessionid'),
        incall: int(o, 'incall'),
        flags: int(o, 'flags'),
        call: bool(o, 'call'),
      };
    case 'transient-set':
      return { type, key: text(o, 'key'), value: o.value, ttl: int(o, 'ttl') };
    case 'transient-remove':
      return { type, key: text(o, 'key') };
    case 'relay':
      return {
        type,
        call: bool(o, 'call'),
        sender: text(o, 'sender'),
        text: text(o, 'text'),
        nick: bool(o, 'nick'),
      };
    case 'frame':
      return { type, text: text(o, 'text') };
    default:
      throw new ProtocolError(`unknown room op ${quoteValue(type)}`);
  }
}

const ROLES: readonly MemberRole[] = ['client', 'internal', 'federated', 'virtual'];

function memberState(o: JsonObject): MemberState {
  const role = text(o, 'role') as MemberRole;
  if (!ROLES.includes(role)) {
    throw new ProtocolError(`member.role: unknown role ${quoteValue(role)}`);
  }
  const state: MemberState = {
    sessionid: text(o, 'sessionid'),
    role,
    entry: joinEntry(obj(o.entry, 'entry')),
    incall: int(o, 'incall'),
    call: bool(o, 'call'),
    flags: int(o, 'flags'),
    features: texts(o, 'features'),
  };
  const roomsession = optText(o, 'roomsession');
  if (roomsession !== undefined) {
    state.roomsession = roomsession;
  }
  const userdata = optText(o, 'userdata');
  if (userdata !== undefined) {
    state.userdata = userdata;
  }
  return state;
}

function joinEntry(o: JsonObject): EventSessionEntry {
  if (typeof o.sessionid !== 'string' || typeof o.userid !== 'string') {
    throw new ProtocolError('entry needs sessionid and userid');
  }
  return o as unknown as EventSessionEntry;
}

function roomState(value: unknown): RoomState {
  const o = obj(value, 'room');
  const room = text(o, 'room');
  if (o.present !== true) {
    return { room, present: false };
  }
  return {
    room,
    present: true,
    members: list(o, 'members', (m) => memberState(obj(m, 'member'))),
    transient: list(o, 'transient', transientEntry),
    users: list(o, 'users', (u) => obj(u, 'user')),
  };
}

function transientEntry(value: unknown): TransientEntry {
  const o = obj(value, 'transient');
  return { key: text(o, 'key'), value: o.value, ttl: int(o, 'ttl') };
}

/** Longest SFU or proxy URL in a publisher location. */
const MAX_LOCATION_URL = 2_048;
/** Longest proxy client id (proxies use UUIDs or upstream's longer ids). */
const MAX_PROXY_CLIENT_ID = 512;
/** Longest hello token (an RS256 JWT with a 4096-bit key is about 1 KiB). */
const MAX_LOCATION_TOKEN = 8_192;

function publisherLocation(o: JsonObject): PublisherLocation {
  const location: PublisherLocation = {
    sfu: bounded(text(o, 'sfu'), 'publisher.sfu', MAX_LOCATION_URL),
    room: int(o, 'room'),
    feed: int(o, 'feed'),
  };
  const client = optText(o, 'proxyclient');
  if (client !== undefined) {
    if (client === '') {
      throw new ProtocolError('publisher.proxyclient must not be empty');
    }
    location.proxyclient = bounded(client, 'publisher.proxyclient', MAX_PROXY_CLIENT_ID);
  }
  const ip = optText(o, 'ip');
  if (ip !== undefined) {
    if (isIP(ip) === 0) {
      throw new ProtocolError('publisher.ip must be an IP address');
    }
    location.ip = ip;
  }
  const token = optText(o, 'token');
  if (token !== undefined) {
    location.token = bounded(token, 'publisher.token', MAX_LOCATION_TOKEN);
  }
  return location;
}

function bounded(value: string, where: string, max: number): string {
  if (value.length > max) {
    throw new ProtocolError(`${where} is longer than ${max} characters`);
  }
  return value;
}

function sender(o: JsonObject): MessageSender {
  const result: MessageSender = { type: text(o, 'type') };
  const sessionid = optText(o, 'sessionid');
  if (sessionid !== undefined) {
    result.sessionid = sessionid;
  }
  const userid = optText(o, 'userid');
  if (userid !== undefined) {
    result.userid = userid;
  }
  return result;
}

// --- field guards -------------------------------------------------------------------------------

function obj(value: unknown, where: string): JsonObject {
  if (!isObject(value)) {
    throw new ProtocolError(`${where} must be an object`);
  }
  return value;
}

function optText(o: JsonObject, key: string): string | undefined {
  const value = o[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new ProtocolError(`${key} must be a string`);
  }
  return value;
}

function text(o: JsonObject, key: string): string {
  const value = optText(o, key);
  if (value === undefined) {
    throw new ProtocolError(`${key} missing`);
  }
  return value;
}

function int(o: JsonObject, key: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ProtocolError(`${key} must be an integer`);
  }
  return value;
}

function bool(o: JsonObject, key: string): boolean {
  const value = o[key];
  if (typeof value !== 'boolean') {
    throw new ProtocolError(`${key} must be a boolean`);
  }
  return value;
}

function texts(o: JsonObject, key: string): string[] {
  return list(o, key, (v) => {
    if (typeof v !== 'string') {
      throw new ProtocolError(`${key} must hold strings`);
    }
    return v;
  });
}

function list<T>(o: JsonObject, key: string, item: (value: unknown) => T): T[] {
  const value = o[key];
  if (!Array.isArray(value)) {
    throw new ProtocolError(`${key} must be an array`);
  }
  return value.map(item);
}
