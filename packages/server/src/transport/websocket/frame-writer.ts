/**
 * Server-to-client WebSocket frames (RFC 6455 section 5.2): unmasked, never fragmented, each built
 * in one buffer so that it is one write.
 */

const FIN = 0x80;
export const OP_TEXT = 0x1;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** Largest close reason: a control payload is at most 125 bytes, two of them the code. */
const MAX_REASON_BYTES = 123;

/** Texts at least this long have their last frame kept for reuse. */
const SHARED_MIN_CHARS = 256;
let lastText: string | undefined;
let lastFrame: Buffer | undefined;

/**
 * One text frame carrying `text`. A room event goes to every member as the same string, one send
 * after the other: the frame of the last long text is kept and handed out again (sockets never
 * modify what they write), so a fan-out encodes the text once instead of once per receiver.
 */
export function textFrame(text: string): Buffer {
  if (text === lastText && lastFrame !== undefined) {
    return lastFrame;
  }
  const frame = buildTextFrame(text);
  if (text.length >= SHARED_MIN_CHARS) {
    lastText = text;
    lastFrame = frame;
  }
  return frame;
}

function buildTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  let frame: Buffer;
  if (length < 126) {
    frame = Buffer.allocUnsafe(2 + length);
    frame[1] = length;
    frame.write(text, 2);
  } else if (length < 0x10000) {
    frame = Buffer.allocUnsafe(4 + length);
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
    frame.write(text, 4);
  } else {
    frame = Buffer.allocUnsafe(10 + length);
    frame[1] = 127;
    // Lengths above 4 GiB are not sent (a string cannot be that long anyway).
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
    frame.write(text, 10);
  }
  frame[0] = FIN | OP_TEXT;
  return frame;
}

/** A ping or pong frame; `payload` must be at most 125 bytes. */
export function controlFrame(opcode: number, payload: string | Buffer): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (length > 125) {
    throw new RangeError('control frame payload over 125 bytes');
  }
  const frame = Buffer.allocUnsafe(2 + length);
  frame[0] = FIN | opcode;
  frame[1] = length;
  if (typeof payload === 'string') {
    frame.write(payload, 2);
  } else {
    payload.copy(frame, 2);
  }
  return frame;
}

/**
 * A close frame with `code` and `reason` (cut to 123 bytes, at a character boundary); without a
 * code, an empty close frame.
 */
export function closeFrame(code?: number, reason = ''): Buffer {
  if (code === undefined) {
    return Buffer.from([FIN | OP_CLOSE, 0]);
  }
  const reasonBytes = Math.min(Buffer.byteLength(reason), MAX_REASON_BYTES);
  const frame = Buffer.allocUnsafe(4 + reasonBytes);
  frame[0] = FIN | OP_CLOSE;
  frame.writeUInt16BE(code, 2);
  // `write` stores only whole characters, so a cut reason may come out a little shorter.
  const written = reasonBytes > 0 ? frame.write(reason, 4, reasonBytes) : 0;
  frame[1] = 2 + written;
  return frame.subarray(0, 4 + written);
}
