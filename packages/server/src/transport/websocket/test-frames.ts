import { randomBytes } from 'node:crypto';

/** How to build a client frame in tests. */
export interface ClientFrameOptions {
  fin?: boolean;
  /** Reserved bits (0x40, 0x20, 0x10). */
  rsv?: number;
  masked?: boolean;
  /** Length encoding: the shortest, or 16 or 64 bits even when shorter would do. */
  lengthBits?: 7 | 16 | 64;
  /** A length field that differs from the payload (to announce more than is sent). */
  announcedLength?: number;
  /** The upper 32 bits of a 64-bit length. */
  lengthHigh?: number;
}

/** A client-to-server frame (masked with a random key unless `masked: false`). */
export function clientFrame(
  opcode: number,
  payload: string | Buffer = '',
  options: ClientFrameOptions = {},
): Buffer {
  const body = Buffer.from(payload);
  const length = options.announcedLength ?? body.length;
  const masked = options.masked ?? true;
  const bits =
    options.lengthBits ??
    (options.lengthHigh !== undefined ? 64 : length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  const first = Buffer.from([
    ((options.fin ?? true) ? 0x80 : 0) | (options.rsv ?? 0) | opcode,
    (masked ? 0x80 : 0) | (bits === 7 ? length : bits === 16 ? 126 : 127),
  ]);
  let extended = Buffer.alloc(0);
  if (bits === 16) {
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else if (bits === 64) {
    extended = Buffer.alloc(8);
    extended.writeUInt32BE(options.lengthHigh ?? 0, 0);
    extended.writeUInt32BE(length, 4);
  }
  if (!masked) {
    return Buffer.concat([first, extended, body]);
  }
  const mask = randomBytes(4);
  for (let i = 0; i < body.length; i++) {
    body[i] = body[i]! ^ mask[i % 4]!;
  }
  return Buffer.concat([first, extended, mask, body]);
}

/** Payload of a close frame. */
export function closePayload(code: number, reason: string | Buffer = ''): Buffer {
  const buf = Buffer.alloc(2);
  buf.writeUInt16BE(code);
  return Buffer.concat([buf, Buffer.from(reason)]);
}
