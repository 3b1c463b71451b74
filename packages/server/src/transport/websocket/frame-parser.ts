import { isUtf8 } from 'node:buffer';

/** Close codes for protocol violations (RFC 6455 section 7.4.1). */
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_INVALID_DATA = 1007;
export const CLOSE_TOO_BIG = 1009;

/**
 * Most empty frames one fragmented message may have. A fragmented message is bounded by its total
 * size (the message size limit, so at most that many non-empty fragments, e.g. 65,536 one-byte
 * fragments for 64 KiB), and its payload is gathered into one buffer as it arrives, so fragments
 * cost no memory of their own. Empty frames add nothing to either bound: without a count a peer
 * could keep a message open forever with frame headers alone. No client has a reason to send
 * many of them (upstream's WebSocket library reads them without a limit).
 */
export const MAX_EMPTY_FRAGMENTS = 1024;

/** First capacity of the buffer that gathers a fragmented message (it doubles as needed). */
const FRAGMENT_BUFFER_BYTES = 4096;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** What the parser found. Payload buffers point into the received data; copy to keep them. */
export interface FrameSink {
  /** A complete text message, valid UTF-8; `bytes` is its size. */
  onText(text: string, bytes: number): void;
  /** A complete binary message. */
  onBinary(data: Buffer): void;
  onPing(payload: Buffer): void;
  onPong(payload: Buffer): void;
  /** A close frame; `code` is undefined when it carried none. Nothing is parsed after it. */
  onClose(code: number | undefined, reason: string): void;
  /** The peer broke the protocol; close with `code`. Nothing is parsed after it. */
  onError(code: number, reason: string): void;
}

/** Close codes a peer may send (RFC 6455 section 7.4; 1004-1006 and 1015 are never sent). */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * Incremental parser of client-to-server WebSocket frames (RFC 6455 section 5): feed it the
 * socket's chunks in order. A frame that arrives whole in one chunk is handled in place, without
 * copying (its payload is unmasked in the chunk itself); only a frame split over chunks is
 * gathered into one buffer once all of it is there. The fragments of a fragmented message are
 * copied into one buffer as they come. Messages larger than `maxMessageBytes`, also when
 * fragmented, are refused with 1009 as soon as their header says so.
 */
export class FrameParser {
  readonly #sink: FrameSink;
  readonly #maxMessageBytes: number;
  /** Received bytes of a frame that is not complete yet. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes needed (counted from the first pending byte) before parsing can go on. */
  #need = 0;
  /**
   * The payload of a fragmented message so far (the first `#fragmentBytes` bytes), or undefined
   * outside one. Fragments are copied in: keeping views into the received chunks would hold every
   * chunk in memory for the sake of one byte of it.
   */
  #fragments: Buffer | undefined;
  #fragmentOpcode = 0;
  #fragmentBytes = 0;
  #emptyFragments = 0;
  #stopped = false;

  constructor(sink: FrameSink, maxMessageBytes: number) {
    this.#sink = sink;
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Ignores everything from now on (the connection is closing). */
  stop(): void {
    this.#stopped = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#fragments = undefined;
  }

  /**
   * Parses the next chunk received from the peer. `borrowed`: the chunk's memory is reused once
   * this returns (a shared read buffer), so whatever part of it must wait for more data is copied.
   */
  push(chunk: Buffer, borrowed = false): void {
    if (this.#stopped) {
      return;
    }
    let data = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(borrowed ? Buffer.from(chunk) : chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#need) {
        return;
      }
      data = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let offset = 0;
    while (offset < data.length && !this.#stopped) {
      const used = this.#frame(data, offset);
      if (used === 0) {
        const rest = offset === 0 ? data : data.subarray(offset);
        this.#pending.push(borrowed && data === chunk ? Buffer.from(rest) : rest);
        this.#pendingBytes = data.length - offset;
        return;
      }
      offset += used;
    }
  }

  /**
   * Handles the frame starting at `offset`; returns its length, or 0 when it is not complete
   * (then `#need` says how many bytes are needed), or -1 after a protocol violation.
   */
  #frame(data: Buffer, offset: number): number {
    const available = data.length - offset;
    if (available < 2) {
      this.#need = 2;
      return 0;
    }
    const b0 = data[offset]!;
    const b1 = data[offset + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) {
      return this.#fail(CLOSE_PROTOCOL_ERROR, 'reserved bits set');
    }
    if ((b1 & 0x80) === 0) {
      return this.#fail(CLOSE_PROTOCOL_ERROR, 'client frame not masked');
    }
    let length = b1 & 0x7f;
    let header = 6;
    if (opcode >= OP_CLOSE) {
      if (opcode > OP_PONG) {
        return this.#fail(CLOSE_PROTOCOL_ERROR, 'unknown opcode');
      }
      if (!fin) {
        return this.#fail(CLOSE_PROTOCOL_ERROR, 'fragmented control frame');
      }
      if (length > 125) {
        return this.#fail(CLOSE_PROTOCOL_ERROR, 'control frame too long');
      }
    } else {
      if (opcode === OP_CONTINUATION) {
        if (this.#fragments === undefined) {
          return this.#fail(CLOSE_PROTOCOL_ERROR, 'unexpected continuation frame');
        }
      } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
        if (this.#fragments !== undefined) {
          return this.#fail(CLOSE_PROTOCOL_ERROR, 'continuation frame expected');
        }
      } else {
        return this.#fail(CLOSE_PROTOCOL_ERROR, 'unknown opcode');
      }
      if (length === 126) {
        if (available < 4) {
          this.#need = 4;
          return 0;
        }
        length = data.readUInt16BE(offset + 2);
        header = 8;
      } else if (length === 127) {
        if (available < 10) {
          this.#need = 10;
          return 0;
        }
        if (data.readUInt32BE(offset + 2) !== 0) {
          return this.#fail(CLOSE_TOO_BIG, 'message too big');
        }
        length = data.readUInt32BE(offset + 6);
        header = 14;
      }
      if (this.#fragmentBytes + length > this.#maxMessageBytes) {
        return this.#fail(CLOSE_TOO_BIG, 'message too big');
      }
    }
    const total = header + length;
    if (available < total) {
      this.#need = total;
      return 0;
    }
    const start = offset + header;
    const payload = data.subarray(start, start + length);
    unmask(payload, data, start - 4);
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
        if (fin) {
          this.#message(opcode, payload);
        } else {
          this.#fragments = Buffer.allocUnsafe(
            Math.min(this.#maxMessageBytes, Math.max(FRAGMENT_BUFFER_BYTES, 2 * length)),
          );
          this.#fragmentOpcode = opcode;
          this.#fragmentBytes = 0;
          this.#emptyFragments = 0;
          if (!this.#append(payload)) {
            return -1;
          }
        }
        break;
      case OP_CONTINUATION:
        if (!this.#append(payload)) {
          return -1;
        }
        if (fin) {
          const message = (this.#fragments as Buffer).subarray(0, this.#fragmentBytes);
          this.#fragments = undefined;
          this.#fragmentBytes = 0;
          this.#message(this.#fragmentOpcode, message);
        }
        break;
      case OP_CLOSE:
        this.#close(payload);
        break;
      case OP_PING:
        this.#sink.onPing(payload);
        break;
      default:
        this.#sink.onPong(payload);
    }
    return total;
  }

  /**
   * Adds one fragment's payload to the message being gathered, growing its buffer by doubling
   * (up to the message size limit, which the frame header was checked against). Returns false
   * after too many empty fragments.
   */
  #append(payload: Buffer): boolean {
    if (payload.length === 0) {
      if (++this.#emptyFragments > MAX_EMPTY_FRAGMENTS) {
        this.#fail(CLOSE_TOO_BIG, 'too many empty fragments');
        return false;
      }
      return true;
    }
    let buffer = this.#fragments as Buffer;
    const needed = this.#fragmentBytes + payload.length;
    if (needed > buffer.length) {
      let capacity = Math.max(buffer.length, FRAGMENT_BUFFER_BYTES) * 2;
      while (capacity < needed) {
        capacity *= 2;
      }
      const grown = Buffer.allocUnsafe(Math.min(this.#maxMessageBytes, capacity));
      buffer.copy(grown, 0, 0, this.#fragmentBytes);
      buffer = grown;
      this.#fragments = grown;
    }
    payload.copy(buffer, this.#fragmentBytes);
    this.#fragmentBytes = needed;
    return true;
  }

  #message(opcode: number, payload: Buffer): void {
    if (opcode === OP_BINARY) {
      this.#sink.onBinary(payload);
    } else if (isUtf8(payload)) {
      this.#sink.onText(payload.toString(), payload.length);
    } else {
      this.#fail(CLOSE_INVALID_DATA, 'invalid UTF-8 in text message');
    }
  }

  #close(payload: Buffer): void {
    if (payload.length === 0) {
      this.stop();
      this.#sink.onClose(undefined, '');
      return;
    }
    if (payload.length === 1) {
      this.#fail(CLOSE_PROTOCOL_ERROR, 'invalid close frame');
      return;
    }
    const code = payload.readUInt16BE(0);
    if (!isValidCloseCode(code)) {
      this.#fail(CLOSE_PROTOCOL_ERROR, 'invalid close code');
      return;
    }
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) {
      this.#fail(CLOSE_INVALID_DATA, 'invalid UTF-8 in close reason');
      return;
    }
    this.stop();
    this.#sink.onClose(code, reason.toString());
  }

  #fail(code: number, reason: string): -1 {
    this.stop();
    this.#sink.onError(code, reason);
    return -1;
  }
}

/** XORs `payload` with the 4-byte mask at `mask[at]`, in place. */
export function unmask(payload: Buffer, mask: Buffer, at: number): void {
  const length = payload.length;
  let i = 0;
  // Byte by byte up to a 4-byte boundary of the underlying memory, then a word at a time with
  // the mask rotated to match (about twice as fast for frames of a few hundred bytes), then the
  // tail byte by byte.
  const lead = Math.min(length, (4 - (payload.byteOffset & 3)) & 3);
  for (; i < lead; i++) {
    payload[i] = payload[i]! ^ mask[at + (i & 3)]!;
  }
  const words = (length - i) >>> 2;
  if (words > 0) {
    // Little-endian word of the mask bytes in the order they apply from position `i` on.
    const word =
      (mask[at + (i & 3)]! |
        (mask[at + ((i + 1) & 3)]! << 8) |
        (mask[at + ((i + 2) & 3)]! << 16) |
        (mask[at + ((i + 3) & 3)]! << 24)) >>>
      0;
    const view = new Uint32Array(payload.buffer, payload.byteOffset + i, words);
    const key = LITTLE_ENDIAN ? word : swap32(word);
    for (let w = 0; w < words; w++) {
      view[w] = view[w]! ^ key;
    }
    i += words * 4;
  }
  for (; i < length; i++) {
    payload[i] = payload[i]! ^ mask[at + (i & 3)]!;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swap32(value: number): number {
  return (
    (((value & 0xff) << 24) |
      ((value & 0xff00) << 8) |
      ((value >>> 8) & 0xff00) |
      ((value >>> 24) & 0xff)) >>>
    0
  );
}
