import crypto from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';

/**
 * SHA-1 in base64. node ≥ 20.12 has a one-shot `crypto.hash`, a third of createHash's time (no
 * Hash object per handshake); 20.11, which we still support, has only createHash.
 */
const sha1Base64: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha1', text, 'base64')
    : (text) => crypto.createHash('sha1').update(text).digest('base64');

/** RFC 6455 section 1.3. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Base64 of exactly 16 bytes. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;
/** `upgrade` as one token of a comma-separated list. */
const UPGRADE_TOKEN = /(?:^|,)[ \t]*upgrade[ \t]*(?:,|$)/i;
/** `websocket` as one token of a comma-separated list. */
const WEBSOCKET_TOKEN = /(?:^|,)[ \t]*websocket[ \t]*(?:,|$)/i;

/** Why a handshake is refused: the HTTP status, a text for the body and extra headers. */
export interface HandshakeRejection {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return sha1Base64(key + GUID);
}

/**
 * Checks an upgrade request (RFC 6455 section 4.2.1); returns the `Sec-WebSocket-Key` or why the
 * request is refused. Extensions (permessage-deflate) and subprotocols are never negotiated,
 * as upstream's server does not negotiate them either.
 */
export function checkUpgrade(req: IncomingMessage): string | HandshakeRejection {
  if (req.method !== 'GET') {
    return { status: 405, message: 'Invalid HTTP method' };
  }
  const { upgrade, connection } = req.headers;
  if (upgrade === undefined || !WEBSOCKET_TOKEN.test(upgrade)) {
    return { status: 400, message: 'Invalid Upgrade header' };
  }
  if (connection === undefined || !UPGRADE_TOKEN.test(connection)) {
    return { status: 400, message: 'Invalid Connection header' };
  }
  const version = req.headers['sec-websocket-version'];
  if (version === undefined || version.trim() !== '13') {
    return {
      status: 426,
      message: 'Unsupported WebSocket version',
      headers: { 'Sec-WebSocket-Version': '13' },
    };
  }
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) {
    return { status: 400, message: 'Missing or invalid Sec-WebSocket-Key header' };
  }
  return key;
}

/**
 * The complete `101 Switching Protocols` response; `extraHeaders` are `Name: value` lines, each
 * ending in CRLF.
 */
export function acceptResponse(key: string, extraHeaders: string): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n${extraHeaders}\r\n`
  );
}

/** The complete error response for a refused handshake (the connection is closed after it). */
export function rejectResponse(rejection: HandshakeRejection): string {
  const body = `${rejection.message}\n`;
  let head =
    `HTTP/1.1 ${rejection.status} ${STATUS_CODES[rejection.status] ?? ''}\r\n` +
    'Connection: close\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  for (const [name, value] of Object.entries(rejection.headers ?? {})) {
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n${body}`;
}
