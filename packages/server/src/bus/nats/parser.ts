import { NatsProtocolError } from './errors.js';
import { DEFAULT_MAX_PAYLOAD, type NatsServerInfo, parseServerInfo } from './server-info.js';

/** Longest control line other than `INFO` (bytes, without CRLF). */
export const MAX_CONTROL_LINE = 4 * 1024;
/** Longest `INFO` line (a clustered server lists its peers' URLs there). */
export const MAX_INFO_LINE = 64 * 1024;
/** Allowed on top of the server's `max_payload` (headers of an `HMSG` count in its total). */
export const PAYLOAD_MARGIN = 8 * 1024;

/** What the parser found; called synchronously from {@link NatsParser.push}. Must not throw. */
export interface NatsParserHandler {
  /**
   * A `MSG` or `HMSG`. `payload` and `headers` are views into the bytes that were read and valid
   * only during the call: copy them to keep them.
   */
  msg(
    subject: string,
    sid: number,
    reply: string | undefined,
    payload: Buffer,
    headers: Buffer | undefined,
  ): void;
  info(info: NatsServerInfo): void;
  ping(): void;
  pong(): void;
  ok(): void;
  /** `-ERR`, with the server's text unquoted. */
  err(message: string): void;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
/** Upper-cases an ASCII letter (ops are case-insensitive). */
const upper = (byte: number | undefined): number =>
  byte !== undefined && byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : (byte ?? -1);

/** The bytes `data[start..end)` as a non-negative integer, or -1 when they are not one. */
function parseCount(data: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 10) {
    return -1;
  }
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = data[i]! - 48;
    if (c < 0 || c > 9) {
      return -1;
    }
    n = n * 10 + c;
  }
  return n;
}

/** Arguments a `MSG`/`HMSG` line may have at most (+1 to notice one too many). */
const MAX_ARGS = 6;

/**
 * Finds the arguments of a control line in `data[start..end)` (separated by spaces or tabs,
 * possibly several) and writes their bounds to `bounds` as start, end pairs, without making
 * strings; returns how many there are (at most {@link MAX_ARGS}).
 */
function findArgs(data: Buffer, start: number, end: number, bounds: Int32Array): number {
  let count = 0;
  let i = start;
  while (i < end && count < MAX_ARGS) {
    while (i < end && (data[i] === SPACE || data[i] === TAB)) {
      i++;
    }
    if (i === end) {
      break;
    }
    bounds[2 * count] = i;
    while (i < end && data[i] !== SPACE && data[i] !== TAB) {
      i++;
    }
    bounds[2 * count + 1] = i;
    count++;
  }
  return count;
}

/**
 * Incremental parser of what a NATS server sends (the text protocol: `INFO`, `MSG`, `HMSG`, `PING`,
 * `PONG`, `+OK`, `-ERR`). Works on the Buffers as read, finds line ends with `indexOf`, and hands
 * payloads over as subarrays, so a message costs no copy unless it spans reads. Every input is
 * bounded: control lines by {@link MAX_CONTROL_LINE} / {@link MAX_INFO_LINE}, payloads by
 * {@link maxPayload} plus {@link PAYLOAD_MARGIN}. Anything else throws {@link NatsProtocolError}
 * from {@link push}; the stream is unusable after that.
 */
export class NatsParser {
  /** The server's `max_payload`; larger messages are a protocol violation. */
  maxPayload = DEFAULT_MAX_PAYLOAD;
  /** Where parsed operations go (may be replaced between reads, e.g. after a handshake). */
  handler: NatsParserHandler;
  /** Bytes of an incomplete line or payload, kept until the rest arrives. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes of payload + CRLF awaited after a `MSG` line; -1 while reading a control line. */
  #need = -1;
  #subject = '';
  #sid = 0;
  #reply: string | undefined;
  /** Header bytes at the start of the awaited payload (`HMSG`), or -1 for a `MSG`. */
  #headerBytes = -1;
  /** Bounds of the arguments of the current control line (see {@link findArgs}). */
  readonly #bounds = new Int32Array(2 * MAX_ARGS);

  constructor(handler: NatsParserHandler) {
    this.handler = handler;
  }

  /** Parses the next bytes of the stream. */
  push(chunk: Buffer): void {
    if (this.#buffered > 0) {
      // Only join the kept bytes once the line or payload is complete: a line trickling in byte
      // by byte must not be copied again for every byte.
      const complete =
        this.#need >= 0 ? this.#buffered + chunk.length >= this.#need : chunk.indexOf(LF) !== -1;
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (!complete) {
        if (this.#need < 0) {
          this.#checkPartialLine();
        }
        return;
      }
      chunk = Buffer.concat(this.#chunks, this.#buffered);
      this.#chunks = [];
      this.#buffered = 0;
    }
    this.#parse(chunk);
  }

  /** Drops what is kept of an incomplete line or payload (for a new connection). */
  reset(): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.#need = -1;
    this.#reply = undefined;
  }

  #keep(data: Buffer, pos: number): void {
    this.#chunks = [data.subarray(pos)];
    this.#buffered = data.length - pos;
    if (this.#need < 0) {
      this.#checkPartialLine();
    }
  }

  #checkPartialLine(): void {
    if (this.#buffered <= MAX_CONTROL_LINE) {
      return;
    }
    const first = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, 4);
    if (this.#buffered > MAX_INFO_LINE + 2 || !isInfo(first, 0, first.length)) {
      throw new NatsProtocolError(`control line longer than allowed (${this.#buffered} bytes)`);
    }
  }

  #parse(data: Buffer): void {
    const len = data.length;
    let pos = 0;
    while (pos < len) {
      if (this.#need >= 0) {
        if (len - pos < this.#need) {
          this.#keep(data, pos);
          return;
        }
        const end = pos + this.#need - 2;
        if (data[end] !== CR || data[end + 1] !== LF) {
          throw new NatsProtocolError('payload not followed by CRLF');
        }
        const headerBytes = this.#headerBytes;
        const headers = headerBytes < 0 ? undefined : data.subarray(pos, pos + headerBytes);
        const payload = data.subarray(headerBytes < 0 ? pos : pos + headerBytes, end);
        const reply = this.#reply;
        this.#need = -1;
        this.#reply = undefined;
        pos = end + 2;
        this.handler.msg(this.#subject, this.#sid, reply, payload, headers);
        continue;
      }
      const lf = data.indexOf(LF, pos);
      if (lf === -1) {
        this.#keep(data, pos);
        return;
      }
      const end = lf > pos && data[lf - 1] === CR ? lf - 1 : lf;
      this.#line(data, pos, end);
      pos = lf + 1;
    }
  }

  #line(data: Buffer, start: number, end: number): void {
    if (
      end - start > MAX_CONTROL_LINE &&
      !(end - start <= MAX_INFO_LINE && isInfo(data, start, end))
    ) {
      throw new NatsProtocolError(`control line longer than allowed (${end - start} bytes)`);
    }
    const op0 = upper(data[start]);
    if (op0 === 0x4d /* M */ && opIs(data, start, end, 'MSG')) {
      this.#msgLine(data, start + 4, end, false);
    } else if (op0 === 0x48 /* H */ && opIs(data, start, end, 'HMSG')) {
      this.#msgLine(data, start + 5, end, true);
    } else if (op0 === 0x50 /* P */ && bare(data, start, end, 'PING')) {
      this.handler.ping();
    } else if (op0 === 0x50 && bare(data, start, end, 'PONG')) {
      this.handler.pong();
    } else if (op0 === 0x49 /* I */ && opIs(data, start, end, 'INFO')) {
      this.handler.info(parseServerInfo(data.toString('utf8', start + 5, end)));
    } else if (op0 === 0x2b /* + */ && bare(data, start, end, '+OK')) {
      this.handler.ok();
    } else if (op0 === 0x2d /* - */ && opIs(data, start, end, '-ERR')) {
      this.handler.err(unquote(data.toString('utf8', start + 5, end)));
    } else {
      const shown = data.toString('latin1', start, Math.min(end, start + 20));
      throw new NatsProtocolError(`unknown protocol operation ${JSON.stringify(shown)}`);
    }
  }

  /** `MSG <subject> <sid> [reply-to] <#bytes>` or `HMSG … <#header bytes> <#total bytes>`. */
  #msgLine(data: Buffer, start: number, end: number, withHeaders: boolean): void {
    const b = this.#bounds;
    const n = findArgs(data, start, end, b);
    const counts = withHeaders ? 2 : 1;
    if (n !== 2 + counts && n !== 3 + counts) {
      throw new NatsProtocolError(`${withHeaders ? 'HMSG' : 'MSG'} with ${n} arguments`);
    }
    const sid = parseCount(data, b[2]!, b[3]!);
    const total = parseCount(data, b[2 * n - 2]!, b[2 * n - 1]!);
    const headerBytes = withHeaders ? parseCount(data, b[2 * n - 4]!, b[2 * n - 3]!) : -1;
    if (sid < 0) {
      throw new NatsProtocolError('invalid subscription id');
    }
    if (total < 0 || (withHeaders && (headerBytes < 0 || headerBytes > total))) {
      throw new NatsProtocolError('invalid message size');
    }
    if (total > this.maxPayload + PAYLOAD_MARGIN) {
      throw new NatsProtocolError(
        `message of ${total} bytes exceeds max_payload ${this.maxPayload}`,
      );
    }
    this.#subject = data.toString('utf8', b[0]!, b[1]!);
    this.#sid = sid;
    this.#reply = n === 3 + counts ? data.toString('utf8', b[4]!, b[5]!) : undefined;
    this.#headerBytes = headerBytes;
    this.#need = total + 2;
  }
}

/** Whether the line starts with `op` (case-insensitive) followed by a space or tab. */
function opIs(data: Buffer, start: number, end: number, op: string): boolean {
  if (end - start <= op.length) {
    return false;
  }
  for (let i = 0; i < op.length; i++) {
    if (upper(data[start + i]) !== op.charCodeAt(i)) {
      return false;
    }
  }
  const sep = data[start + op.length];
  return sep === SPACE || sep === TAB;
}

/** Whether the line is `op` alone (case-insensitive, trailing blanks allowed). */
function bare(data: Buffer, start: number, end: number, op: string): boolean {
  while (end > start && (data[end - 1] === SPACE || data[end - 1] === TAB)) {
    end--;
  }
  if (end - start !== op.length) {
    return false;
  }
  for (let i = 0; i < op.length; i++) {
    if (upper(data[start + i]) !== op.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}

function isInfo(data: Buffer, start: number, end: number): boolean {
  const n = Math.min(4, end - start);
  for (let i = 0; i < n; i++) {
    if (upper(data[start + i]) !== 'INFO'.charCodeAt(i)) {
      return false;
    }
  }
  return true;
}

/** `'Authorization Violation'` → `Authorization Violation`. */
function unquote(text: string): string {
  const trimmed = text.trim();
  return trimmed.length >= 2 && trimmed.startsWith("'") && trimmed.endsWith("'")
    ? trimmed.slice(1, -1)
    : trimmed;
}
