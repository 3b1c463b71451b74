import type { IncomingHttpHeaders } from 'node:http';

/** Largest response head (status line and headers), and separately largest trailer block. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Longest chunk-size line (with extensions) of a chunked body. */
const MAX_CHUNK_LINE = 4096;

/** The response violates HTTP/1.1 framing or syntax. */
export class HttpParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpParseError';
  }
}

/** The response body is larger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

// Parser states (numbers, not an enum: the project bans enums).
const S_HEAD = 0;
const S_BODY_LENGTH = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_DATA_END = 4;
const S_TRAILERS = 5;
const S_BODY_EOF = 6;
const S_DONE = 7;

const LF = 10;
const CR = 13;

/** Header names whose duplicates node:http drops (first wins) instead of joining. */
const SINGLE_VALUED = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * Control characters other than HTAB, CR and LF (bare CRs are caught line by line); the head is
 * decoded as latin1, so nothing is above 0xff.
 */
const BAD_HEAD_CHAR = /[^\t\n\r\x20-\x7e\x80-\xff]/;
const DIGITS = /^\d+$/;
const HEX = /^[0-9A-Fa-f]{1,12}$/;
const KEEP_ALIVE_TIMEOUT = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i;

/**
 * Incremental parser of one HTTP/1.x response (skipping 1xx interim responses): feed it the bytes
 * of a connection with {@link push} in chunks of any size, and tell it about EOF with
 * {@link finish}. Handles Content-Length, chunked (extensions and trailers allowed) and
 * close-delimited bodies, caps the head at {@link MAX_HEAD_BYTES} and the body at `maxBodyBytes`.
 * Errors are thrown as {@link HttpParseError} or {@link BodyTooLargeError}.
 */
export class ResponseParser {
  /** Status code of the final response (after {@link push} reported completion). */
  status = 0;
  /** Headers with lowercase names; repeats joined with ", " (set-cookie: array). */
  headers: IncomingHttpHeaders = {};
  /** Whether the connection may carry another request after this response. */
  keepAlive = true;
  /** Idle time the server announced with `Keep-Alive: timeout=N`, in ms; -1 when absent. */
  keepAliveTimeoutMs = -1;
  /** Whether any byte arrived. */
  started = false;

  readonly #maxBodyBytes: number;
  readonly #noBody: boolean;
  #state = S_HEAD;
  /** Head bytes received so far when the head spans chunks (first #headLength bytes). */
  #head: Buffer | undefined;
  #headLength = 0;
  /** Offset in #head from which to look for the end of the head. */
  #scan = 0;
  /** Bytes left of a Content-Length body or of the current chunk. */
  #remaining = 0;
  #chunks: Buffer[] = [];
  #size = 0;
  /** A chunk-size, chunk-end or trailer line that spans chunks. */
  #line = '';
  #trailerBytes = 0;

  /** `noBody`: the request was HEAD, so the response has no body whatever its headers say. */
  constructor(maxBodyBytes: number, noBody = false) {
    this.#maxBodyBytes = maxBodyBytes;
    this.#noBody = noBody;
  }

  /** The body (after completion). */
  get body(): Buffer {
    const chunks = this.#chunks;
    if (chunks.length === 1) {
      return chunks[0]!;
    }
    return chunks.length === 0 ? Buffer.alloc(0) : Buffer.concat(chunks, this.#size);
  }

  /**
   * Consumes `chunk`. Returns -1 while the response is incomplete, else the offset in `chunk` just
   * after the response (bytes from there on do not belong to it).
   */
  push(chunk: Buffer): number {
    if (chunk.length === 0) {
      return this.#state === S_DONE ? 0 : -1;
    }
    this.started = true;
    let pos = 0;
    while (pos < chunk.length || this.#state === S_DONE) {
      switch (this.#state) {
        case S_HEAD:
          pos = this.#pushHead(chunk, pos);
          if (pos < 0) {
            return -1;
          }
          break;
        case S_BODY_LENGTH: {
          const take = Math.min(this.#remaining, chunk.length - pos);
          this.#chunks.push(take === chunk.length ? chunk : chunk.subarray(pos, pos + take));
          this.#size += take;
          this.#remaining -= take;
          pos += take;
          if (this.#remaining === 0) {
            this.#state = S_DONE;
          }
          break;
        }
        case S_CHUNK_SIZE: {
          const line = this.#readLine(chunk, pos, MAX_CHUNK_LINE, 'chunk size line too long');
          if (line === undefined) {
            return -1;
          }
          pos = line.next;
          this.#chunkSize(line.text);
          break;
        }
        case S_CHUNK_DATA: {
          const take = Math.min(this.#remaining, chunk.length - pos);
          this.#addBody(chunk.subarray(pos, pos + take));
          this.#remaining -= take;
          pos += take;
          if (this.#remaining === 0) {
            this.#state = S_CHUNK_DATA_END;
          }
          break;
        }
        case S_CHUNK_DATA_END: {
          const line = this.#readLine(chunk, pos, 2, 'missing CRLF after chunk data');
          if (line === undefined) {
            return -1;
          }
          if (line.text !== '') {
            throw new HttpParseError('missing CRLF after chunk data');
          }
          pos = line.next;
          this.#state = S_CHUNK_SIZE;
          break;
        }
        case S_TRAILERS: {
          const line = this.#readLine(
            chunk,
            pos,
            MAX_HEAD_BYTES - this.#trailerBytes,
            'trailers too large',
          );
          if (line === undefined) {
            return -1;
          }
          this.#trailerBytes += line.text.length + 2;
          pos = line.next;
          if (line.text === '') {
            this.#state = S_DONE;
          }
          // Trailer fields are not used; their size is capped above.
          break;
        }
        case S_BODY_EOF:
          this.#addBody(pos === 0 ? chunk : chunk.subarray(pos));
          return -1;
        default:
          return pos;
      }
    }
    return -1;
  }

  /**
   * The connection reached EOF. Returns whether that completes the response (a close-delimited
   * body); false when the response is incomplete (or never started: see {@link started}).
   */
  finish(): boolean {
    if (this.#state === S_BODY_EOF) {
      this.#state = S_DONE;
      return true;
    }
    return this.#state === S_DONE;
  }

  #addBody(part: Buffer): void {
    this.#size += part.length;
    if (this.#size > this.#maxBodyBytes) {
      throw new BodyTooLargeError(this.#maxBodyBytes);
    }
    this.#chunks.push(part);
  }

  /**
   * Reads one LF-terminated line (CR before the LF dropped) starting at `pos`, joined with what
   * earlier chunks contributed. Undefined when the chunk ends first.
   */
  #readLine(
    chunk: Buffer,
    pos: number,
    limit: number,
    tooLong: string,
  ): { text: string; next: number } | undefined {
    const lf = chunk.indexOf(LF, pos);
    if (lf === -1) {
      this.#line += chunk.toString('latin1', pos);
      if (this.#line.length > limit) {
        throw new HttpParseError(tooLong);
      }
      return undefined;
    }
    let text = this.#line + chunk.toString('latin1', pos, lf);
    this.#line = '';
    if (text.endsWith('\r')) {
      text = text.slice(0, -1);
    }
    if (text.length > limit) {
      throw new HttpParseError(tooLong);
    }
    return { text, next: lf + 1 };
  }

  #chunkSize(line: string): void {
    const semicolon = line.indexOf(';');
    const size = trimOws(semicolon === -1 ? line : line.slice(0, semicolon));
    if (!HEX.test(size)) {
      throw new HttpParseError(`invalid chunk size ${JSON.stringify(line.slice(0, 40))}`);
    }
    const n = Number.parseInt(size, 16);
    if (n === 0) {
      this.#state = S_TRAILERS;
      return;
    }
    if (this.#size + n > this.#maxBodyBytes) {
      throw new BodyTooLargeError(this.#maxBodyBytes);
    }
    this.#remaining = n;
    this.#state = S_CHUNK_DATA;
  }

  /** Collects head bytes; once the head is complete, parses it. Returns the next offset or -1. */
  #pushHead(chunk: Buffer, pos: number): number {
    const part = pos === 0 ? chunk : chunk.subarray(pos);
    let head: Buffer;
    /** Where `chunk[pos]` is in `head`. */
    const base = this.#headLength;
    if (base === 0) {
      head = part;
    } else {
      head = this.#appendHead(part);
    }
    const end = this.#findHeadEnd(head);
    if (end === -1) {
      if (head.length > MAX_HEAD_BYTES) {
        throw new HttpParseError(`response headers larger than ${MAX_HEAD_BYTES} bytes`);
      }
      if (base === 0) {
        // Copied: a slice would keep the whole socket chunk alive.
        this.#appendHead(part);
      }
      return -1;
    }
    if (end > MAX_HEAD_BYTES) {
      throw new HttpParseError(`response headers larger than ${MAX_HEAD_BYTES} bytes`);
    }
    this.#head = undefined;
    this.#headLength = 0;
    this.#scan = 0;
    this.#parseHead(head.toString('latin1', 0, end));
    return pos + end - base;
  }

  /** Appends to the buffered head (grown by doubling) and returns a view of all of it. */
  #appendHead(part: Buffer): Buffer {
    const length = this.#headLength + part.length;
    let buffer = this.#head;
    if (buffer === undefined || buffer.length < length) {
      const grown = Buffer.allocUnsafe(Math.max(1024, length, 2 * (buffer?.length ?? 0)));
      buffer?.copy(grown, 0, 0, this.#headLength);
      buffer = grown;
      this.#head = grown;
    }
    part.copy(buffer, this.#headLength);
    this.#headLength = length;
    return buffer.subarray(0, length);
  }

  /** Offset just after the empty line that ends the head in `head`, or -1. */
  #findHeadEnd(head: Buffer): number {
    let lf = head.indexOf(LF, this.#scan);
    while (lf !== -1) {
      const next = head[lf + 1];
      if (next === LF) {
        return lf + 2;
      }
      if (next === CR) {
        const after = head[lf + 2];
        if (after === LF) {
          return lf + 3;
        }
        if (after === undefined) {
          break;
        }
      } else if (next === undefined) {
        break;
      }
      lf = head.indexOf(LF, lf + 1);
    }
    // Resume at the last LF: its successors may arrive with the next chunk.
    this.#scan = lf === -1 ? Math.max(0, head.length - 1) : lf;
    return -1;
  }

  #parseHead(text: string): void {
    if (BAD_HEAD_CHAR.test(text)) {
      throw new HttpParseError('invalid character in the response head');
    }
    let lineEnd = text.indexOf('\n');
    const statusLine = text.slice(0, lineEndBeforeCr(text, 0, lineEnd));
    // HTTP/1.x SP 3DIGIT [SP reason]
    const code = Number(statusLine.slice(9, 12));
    if (
      !statusLine.startsWith('HTTP/1.') ||
      (statusLine[7] !== '0' && statusLine[7] !== '1') ||
      statusLine[8] !== ' ' ||
      !DIGITS.test(statusLine.slice(9, 12)) ||
      code < 100 ||
      (statusLine.length > 12 && statusLine[12] !== ' ') ||
      statusLine.includes('\r')
    ) {
      throw new HttpParseError(`invalid status line ${JSON.stringify(statusLine.slice(0, 80))}`);
    }
    const http10 = statusLine[7] === '0';
    const headers: IncomingHttpHeaders = Object.create(null);
    let contentLength = -1;
    let transferEncoding = '';
    let connection = '';
    let keepAlive = '';
    let lastName = '';
    let start = lineEnd + 1;
    for (;;) {
      lineEnd = text.indexOf('\n', start);
      const end = lineEndBeforeCr(text, start, lineEnd);
      if (end === start) {
        break;
      }
      const lineStart = start;
      start = lineEnd + 1;
      const cr = text.indexOf('\r', lineStart);
      if (cr !== -1 && cr < end) {
        throw new HttpParseError('invalid character in the response head');
      }
      const first = text.charCodeAt(lineStart);
      if (first === 0x20 || first === 0x09) {
        // Obsolete line folding: continues the previous field value (not for framing headers).
        if (lastName === '' || lastName === 'content-length' || lastName === 'transfer-encoding') {
          throw new HttpParseError('invalid header continuation line');
        }
        const folded = ` ${trimOws(text.slice(lineStart, end))}`;
        const prev = headers[lastName];
        if (Array.isArray(prev)) {
          prev[prev.length - 1] += folded;
        } else {
          headers[lastName] = `${prev ?? ''}${folded}`;
        }
        continue;
      }
      const colon = text.indexOf(':', lineStart);
      const name = colon > lineStart && colon < end ? headerName(text.slice(lineStart, colon)) : '';
      if (name === '') {
        throw new HttpParseError(
          `invalid header line ${JSON.stringify(text.slice(lineStart, Math.min(end, lineStart + 80)))}`,
        );
      }
      const value = trimOws(text.slice(colon + 1, end));
      lastName = name;
      switch (name) {
        case 'content-length':
          contentLength = parseContentLength(value, contentLength);
          break;
        case 'transfer-encoding':
          transferEncoding = transferEncoding === '' ? value : `${transferEncoding}, ${value}`;
          break;
        case 'connection':
          connection = connection === '' ? value : `${connection}, ${value}`;
          break;
        case 'keep-alive':
          keepAlive = value;
          break;
      }
      const prev = headers[name];
      if (prev === undefined) {
        headers[name] = name === 'set-cookie' ? [value] : value;
      } else if (name === 'set-cookie') {
        (prev as string[]).push(value);
      } else if (!SINGLE_VALUED.has(name)) {
        headers[name] = `${prev}, ${value}`;
      }
    }

    if (code < 200) {
      if (code === 101) {
        throw new HttpParseError('unexpected 101 Switching Protocols');
      }
      // Interim response: the final one follows.
      this.#state = S_HEAD;
      return;
    }
    this.status = code;
    this.headers = headers;
    if (
      http10 ||
      (connection !== '' && connection !== 'keep-alive' && hasToken(connection, 'close'))
    ) {
      this.keepAlive = false;
    }
    if (keepAlive !== '') {
      const match = KEEP_ALIVE_TIMEOUT.exec(keepAlive);
      if (match) {
        this.keepAliveTimeoutMs = Number(match[1]) * 1000;
      }
    }
    if (this.#noBody || code === 204 || code === 304) {
      this.#state = S_DONE;
      return;
    }
    if (transferEncoding !== '') {
      // Transfer-Encoding overrides Content-Length; such a message must not be reused (RFC 9112
      // 6.3), and a response whose final coding is not chunked is delimited by the close.
      if (contentLength !== -1) {
        this.keepAlive = false;
      }
      if (lastToken(transferEncoding) === 'chunked') {
        this.#state = S_CHUNK_SIZE;
      } else {
        this.keepAlive = false;
        this.#state = S_BODY_EOF;
      }
      return;
    }
    if (contentLength !== -1) {
      if (contentLength > this.#maxBodyBytes) {
        throw new BodyTooLargeError(this.#maxBodyBytes);
      }
      this.#remaining = contentLength;
      this.#state = contentLength === 0 ? S_DONE : S_BODY_LENGTH;
      return;
    }
    this.keepAlive = false;
    this.#state = S_BODY_EOF;
  }
}

/** Where the line from `start` to the LF at `lf` ends without its CR. */
function lineEndBeforeCr(text: string, start: number, lf: number): number {
  return lf > start && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf;
}

/** Lowercase forms of header names seen (bounded: peers choose the names). */
const lowercaseNames = new Map<string, string>();
const LOWERCASE_NAMES_LIMIT = 256;

/** The lowercase name, or '' when `raw` is not a token. */
function headerName(raw: string): string {
  let name = lowercaseNames.get(raw);
  if (name === undefined) {
    if (!TOKEN.test(raw)) {
      return '';
    }
    name = raw.toLowerCase();
    if (lowercaseNames.size >= LOWERCASE_NAMES_LIMIT) {
      lowercaseNames.clear();
    }
    lowercaseNames.set(raw, name);
  }
  return name;
}

/** Removes leading and trailing spaces and tabs (HTTP's optional whitespace). */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) {
    start += 1;
  }
  while (end > start && isOws(value.charCodeAt(end - 1))) {
    end -= 1;
  }
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** A Content-Length value (a list of equal numbers is allowed), checked against an earlier one. */
function parseContentLength(value: string, previous: number): number {
  if (previous === -1 && value.length <= 15 && DIGITS.test(value)) {
    return Number(value);
  }
  let result = previous;
  for (const part of value.split(',')) {
    const digits = trimOws(part);
    if (!DIGITS.test(digits) || digits.length > 15) {
      throw new HttpParseError(`invalid Content-Length ${JSON.stringify(value.slice(0, 40))}`);
    }
    const n = Number(digits);
    if (result !== -1 && result !== n) {
      throw new HttpParseError('conflicting Content-Length headers');
    }
    result = n;
  }
  return result;
}

function hasToken(list: string, token: string): boolean {
  for (const part of list.split(',')) {
    if (trimOws(part).toLowerCase() === token) {
      return true;
    }
  }
  return false;
}

function lastToken(list: string): string {
  const comma = list.lastIndexOf(',');
  return trimOws(comma === -1 ? list : list.slice(comma + 1)).toLowerCase();
}
