import {
  MAX_PEER_JSON_DEPTH,
  ProtocolError,
  parseJsonBounded,
  type ServerMessage,
} from '@spreed-ts/protocol';
import { isObject } from '../util/json.js';

const BODY_REQUIRED = new Set([
  'welcome',
  'hello',
  'error',
  'room',
  'message',
  'control',
  'event',
  'transient',
]);

const KNOWN = new Set([...BODY_REQUIRED, 'bye', 'internal', 'dialout']);

/**
 * The client's one parser for frames from the signaling server. Checks what the client relies on
 * (a known `type`, its body object, the fields it reads from hello, error, room, message and
 * event) and returns the typed message; returns undefined for a well-formed frame of a type this
 * client does not know (newer servers), and throws `ProtocolError` naming the bad field otherwise.
 */
export function parseServerMessage(text: string): ServerMessage | undefined {
  let raw: unknown;
  try {
    // Servers relay client data a few levels deeper than clients may send it.
    raw = parseJsonBounded(text, MAX_PEER_JSON_DEPTH);
  } catch (cause) {
    throw new ProtocolError('server frame is not JSON (or nested too deeply)', { cause });
  }
  if (!isObject(raw) || typeof raw.type !== 'string') {
    throw new ProtocolError('server frame has no type');
  }
  const type = raw.type;
  if (!KNOWN.has(type)) {
    return undefined;
  }
  if (raw.id !== undefined && typeof raw.id !== 'string') {
    throw new ProtocolError('server frame id must be a string');
  }
  const body = raw[type];
  if (BODY_REQUIRED.has(type) && !isObject(body)) {
    throw new ProtocolError(`${type} frame without ${type} object`);
  }
  if (isObject(body)) {
    checkBody(type, body);
  }
  if (type === 'bye' && body === undefined) {
    // A client-bye reply carries no body.
    return { ...(raw.id === undefined ? {} : { id: raw.id }), type: 'bye', bye: {} };
  }
  return raw as unknown as ServerMessage;
}

function need(ok: boolean, what: string): void {
  if (!ok) {
    throw new ProtocolError(what);
  }
}

function checkBody(type: string, body: Record<string, unknown>): void {
  switch (type) {
    case 'welcome':
      need(
        body.features === undefined || Array.isArray(body.features),
        'welcome.features must be an array',
      );
      return;
    case 'hello':
      need(typeof body.sessionid === 'string', 'hello.sessionid must be a string');
      need(typeof body.resumeid === 'string', 'hello.resumeid must be a string');
      return;
    case 'error':
      need(typeof body.code === 'string', 'error.code must be a string');
      return;
    case 'room':
      need(typeof body.roomid === 'string', 'room.roomid must be a string');
      return;
    case 'message':
    case 'control':
      need(isObject(body.sender) || body.sender === null, `${type}.sender must be an object`);
      return;
    case 'event':
      need(typeof body.target === 'string', 'event.target must be a string');
      need(typeof body.type === 'string', 'event.type must be a string');
      return;
    default:
      return;
  }
}
