/** One NATS server to connect to, with the credentials its URL carried. */
export interface NatsServerAddress {
  /** The URL as given (credentials included), `nats://` added to a bare `host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `tls://` URL: TLS whatever the server's INFO says. */
  readonly tls: boolean;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** Learnt from a server's `connect_urls` rather than configured. */
  readonly discovered: boolean;
  /** When a connection to it was last attempted (ms since the epoch, 0 = never). */
  lastAttempt: number;
}

const DEFAULT_PORT = 4222;
/** At most this many servers are kept (configured plus discovered). */
const MAX_SERVERS = 64;

/**
 * Parses `nats://user:pass@host:4222`, `nats://token@host`, `tls://host:4222` or `host:port`
 * (as nats.js did: a user without a password is a token). Throws TypeError on anything else.
 */
export function parseServerUrl(url: string, discovered = false): NatsServerAddress {
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `nats://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(full);
  } catch (err) {
    throw new TypeError(`invalid NATS URL "${url}"`, { cause: err });
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'nats' && scheme !== 'tls') {
    throw new TypeError(`unsupported NATS URL scheme "${scheme}"`);
  }
  // A URL of a non-special scheme keeps IPv6 brackets in its hostname.
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') {
    throw new TypeError(`NATS URL without a host: "${url}"`);
  }
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  const server: {
    -readonly [K in keyof NatsServerAddress]: NatsServerAddress[K];
  } = { url: full, host, port, tls: scheme === 'tls', discovered, lastAttempt: 0 };
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  if (user !== '' && pass !== '') {
    server.user = user;
    server.pass = pass;
  } else if (user !== '') {
    server.token = user;
  }
  return server;
}

/** `host:port` of a server (IPv6 in brackets), as shown in logs. */
export function hostPort(server: NatsServerAddress): string {
  return server.host.includes(':')
    ? `[${server.host}]:${server.port}`
    : `${server.host}:${server.port}`;
}

/**
 * The servers to connect to, tried in turn. A server's cluster peers (`connect_urls` of its INFO)
 * are added, with the credentials of the server that named them.
 */
export class ServerList {
  readonly #servers: NatsServerAddress[];
  #next = 0;

  constructor(urls: readonly string[]) {
    if (urls.length === 0) {
      throw new TypeError('no NATS server URL');
    }
    this.#servers = urls.map((url) => parseServerUrl(url));
  }

  get size(): number {
    return this.#servers.length;
  }

  /** The next server to try (round robin). */
  next(): NatsServerAddress {
    const server = this.#servers[this.#next % this.#servers.length]!;
    this.#next = (this.#next + 1) % this.#servers.length;
    return server;
  }

  /** Adds the peers a server advertised; returns how many were new. */
  addDiscovered(from: NatsServerAddress, connectUrls: readonly string[]): number {
    let added = 0;
    for (const hostport of connectUrls) {
      if (this.#servers.length >= MAX_SERVERS) {
        break;
      }
      let candidate: NatsServerAddress;
      try {
        candidate = parseServerUrl(`${from.tls ? 'tls' : 'nats'}://${hostport}`, true);
      } catch {
        continue;
      }
      if (this.#servers.some((s) => s.host === candidate.host && s.port === candidate.port)) {
        continue;
      }
      this.#servers.push({
        ...candidate,
        ...(from.user !== undefined ? { user: from.user } : {}),
        ...(from.pass !== undefined ? { pass: from.pass } : {}),
        ...(from.token !== undefined ? { token: from.token } : {}),
      });
      added++;
    }
    return added;
  }
}
