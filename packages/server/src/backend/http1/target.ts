import { isIP } from 'node:net';

/** Where connections go: scheme, host and port. Requests to equal origins share a pool. */
export interface Origin {
  /** `http://host:port` (the URL's origin): the pool key. */
  readonly key: string;
  readonly secure: boolean;
  /** Host name or IP address to connect to (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** TLS server name (SNI); undefined for IP literals. */
  readonly servername: string | undefined;
  /** `Host` header value and label in messages: port only when not the default, IPv6 in brackets. */
  readonly host: string;
}

/** A parsed request URL. */
export interface Target {
  readonly origin: Origin;
  /** Path and query. */
  readonly path: string;
  /** The request line's tail and the Host line: `<path> HTTP/1.1\r\nHost: <host>\r\n`. */
  readonly headTail: string;
  /** `Basic ...` from user info in the URL (as node:http and Go send it), or undefined. */
  readonly authorization: string | undefined;
}

/** Parses an absolute http(s) URL. Throws a TypeError for anything else. */
export function parseTarget(url: string): Target {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'http:') {
    throw new TypeError(`unsupported protocol in ${JSON.stringify(url)}`);
  }
  if (parsed.port === '0' || parsed.hostname === '') {
    throw new TypeError(`no host or port to connect to in ${JSON.stringify(url)}`);
  }
  const bracketed = parsed.hostname.startsWith('[');
  const hostname = bracketed ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const path = `${parsed.pathname || '/'}${parsed.search}`;
  const host = parsed.host;
  const origin: Origin = {
    key: `${parsed.protocol}//${host}`,
    secure,
    hostname,
    port: parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port),
    servername: isIP(hostname) === 0 ? hostname : undefined,
    host,
  };
  let authorization: string | undefined;
  if (parsed.username !== '' || parsed.password !== '') {
    const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  }
  return { origin, path, headTail: `${path} HTTP/1.1\r\nHost: ${host}\r\n`, authorization };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Anything but HTAB and printable ASCII (the common case is plain ASCII). */
const NOT_PLAIN = /[^\t\x20-\x7e]/;
/** What node:http refuses in header values: control characters other than HTAB, and > 0xff. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Header names set by the client itself. */
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/** Header names already checked (bounded: names come from code, not from peers). */
const checkedNames = new Set<string>();
const CHECKED_NAMES_LIMIT = 512;

function checkName(name: string): void {
  if (checkedNames.has(name)) {
    return;
  }
  if (!TOKEN.test(name)) {
    throw new TypeError(`invalid HTTP header name ${JSON.stringify(name)}`);
  }
  if (RESERVED.has(name.toLowerCase())) {
    throw new TypeError(`the HTTP client sets the ${name} header itself`);
  }
  if (checkedNames.size >= CHECKED_NAMES_LIMIT) {
    checkedNames.clear();
  }
  checkedNames.add(name);
}

/**
 * The complete request: request line, Host, `headers`, Content-Length and the body, as one string
 * to write at once (or a Buffer when a header value holds non-ASCII latin1 characters, which go
 * out as single bytes like node:http sends them). Throws a TypeError for header names that are not
 * tokens, values with CR, LF, NUL or other control characters, and the headers the client sets
 * itself (Host, Content-Length, Transfer-Encoding, Connection).
 */
export function serializeRequest(
  method: string,
  target: Target,
  headers: Record<string, string>,
  body: string | undefined,
): string | Buffer {
  let head = `${method} ${target.headTail}`;
  let latin1 = false;
  let authorization = target.authorization;
  for (const name in headers) {
    const value = headers[name]!;
    checkName(name);
    if (NOT_PLAIN.test(value)) {
      if (INVALID_VALUE.test(value)) {
        throw new TypeError(`invalid character in the value of HTTP header ${name}`);
      }
      latin1 = true;
    }
    if (authorization !== undefined && name.toLowerCase() === 'authorization') {
      authorization = undefined;
    }
    head += `${name}: ${value}\r\n`;
  }
  if (authorization !== undefined) {
    head += `Authorization: ${authorization}\r\n`;
  }
  if (body !== undefined) {
    head += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  } else if (method !== 'GET' && method !== 'HEAD') {
    head += 'Content-Length: 0\r\n\r\n';
  } else {
    head += '\r\n';
  }
  if (!latin1) {
    return body === undefined ? head : head + body;
  }
  const headBytes = Buffer.from(head, 'latin1');
  return body === undefined ? headBytes : Buffer.concat([headBytes, Buffer.from(body, 'utf8')]);
}
