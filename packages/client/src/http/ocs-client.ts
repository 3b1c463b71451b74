import { isObject, parseJsonBounded } from '@spreed-ts/protocol';
import { ClientError } from '../util/client-error.js';
import { CookieJar } from './cookie-jar.js';

/** The `fetch` function the client uses (injectable for browsers and tests). */
export type FetchFunction = typeof fetch;

/** Credentials of a logged-in user: user id (or login name) and an app password. */
export interface UserCredentials {
  user: string;
  appPassword: string;
}

/** Options of {@link OcsClient}. */
export interface OcsClientOptions {
  /** Nextcloud base URL with trailing slash. */
  baseUrl: string;
  /** Basic auth for logged-in users; guests leave it out. */
  credentials?: UserCredentials;
  /** Defaults to the global `fetch`. */
  fetch?: FetchFunction;
  /** Per-request timeout; default 15 s. Long-polls pass their own. */
  timeoutMs?: number;
  /** Sent as `User-Agent` where the runtime allows it. */
  userAgent?: string;
}

/** One OCS answer: HTTP status, the unwrapped `ocs.data` (undefined without envelope) and headers. */
export interface OcsResponse {
  status: number;
  data: unknown;
  headers: Headers;
}

/** One request of {@link OcsClient.request}. */
export interface OcsRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, e.g. `ocs/v2.php/apps/spreed/api/v4/room/abc/participants/active`. */
  path: string;
  query?: Record<string, string | number | boolean>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A loaded HTML page. */
export interface PageResponse {
  status: number;
  text: string;
  url: string;
}

const MAX_REDIRECTS = 5;

/**
 * HTTP to one Nextcloud server with one cookie jar: every request carries the jar's cookies and
 * stores what the server sets, OCS requests send `OCS-APIRequest: true` (which also satisfies
 * Nextcloud's CSRF check), the `requesttoken` from the room page once known, and Basic auth for
 * users. Transport failures become `ClientError('unreachable' | 'timeout')`; HTTP statuses are
 * returned to the caller, which knows what a 403 or 404 means for its endpoint.
 */
export class OcsClient {
  readonly baseUrl: string;
  readonly jar = new CookieJar();
  /** The CSRF token from the room page (`data-requesttoken`). */
  requestToken: string | undefined;
  readonly #fetch: FetchFunction;
  readonly #authorization: string | undefined;
  readonly #timeoutMs: number;
  readonly #userAgent: string | undefined;

  constructor(options: OcsClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#userAgent = options.userAgent;
    const c = options.credentials;
    this.#authorization =
      c === undefined ? undefined : `Basic ${base64Utf8(`${c.user}:${c.appPassword}`)}`;
  }

  /** Whether requests carry user credentials. */
  get isUser(): boolean {
    return this.#authorization !== undefined;
  }

  /** Loads an HTML page, following redirects by hand so that no `Set-Cookie` is lost. */
  async page(url: string, signal?: AbortSignal): Promise<PageResponse> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await this.#send(
        current,
        {
          method: 'GET',
          headers: this.#headers(current, { Accept: 'text/html' }),
          redirect: 'manual',
        },
        signal,
      );
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel();
        current = new URL(location, current).href;
        continue;
      }
      return { status: response.status, text: await response.text(), url: current };
    }
    throw new ClientError('not_talk', `too many redirects loading ${url}`);
  }

  /** Sends an OCS request and unwraps the `{ocs: {meta, data}}` envelope. */
  async request(req: OcsRequest): Promise<OcsResponse> {
    const url = new URL(req.path, this.baseUrl);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      url.searchParams.set(key, String(value));
    }
    const extra: Record<string, string> = { 'OCS-APIRequest': 'true', Accept: 'application/json' };
    if (this.requestToken !== undefined) {
      extra.requesttoken = this.requestToken;
    }
    const init: RequestInit = { method: req.method, headers: extra };
    if (req.body !== undefined) {
      extra['Content-Type'] = 'application/json';
      init.body = JSON.stringify(req.body);
    }
    init.headers = this.#headers(url.href, extra);
    const response = await this.#send(url.href, init, req.signal, req.timeoutMs);
    const text = await response.text();
    let data: unknown;
    const type = response.headers.get('content-type') ?? '';
    if (text !== '' && type.includes('json')) {
      let parsed: unknown;
      try {
        parsed = parseJsonBounded(text);
      } catch (cause) {
        throw new ClientError(
          'not_talk',
          `invalid (or too deeply nested) JSON from ${url.pathname}`,
          {
            cause,
            status: response.status,
          },
        );
      }
      if (isObject(parsed) && isObject(parsed.ocs)) {
        data = parsed.ocs.data;
      } else {
        data = parsed;
      }
    } else if (response.status >= 200 && response.status < 300 && response.status !== 204) {
      throw new ClientError(
        'not_talk',
        `${url.origin} did not answer ${url.pathname} like Nextcloud (HTTP ${response.status}, ${type || 'no content type'})`,
        { status: response.status },
      );
    }
    return { status: response.status, data, headers: response.headers };
  }

  #headers(url: string, extra: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    const cookie = this.jar.header(url);
    if (cookie !== undefined) {
      headers.Cookie = cookie;
    }
    if (this.#authorization !== undefined) {
      headers.Authorization = this.#authorization;
    }
    if (this.#userAgent !== undefined) {
      headers['User-Agent'] = this.#userAgent;
    }
    return headers;
  }

  async #send(
    url: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
    timeoutMs = this.#timeoutMs,
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(timeoutMs);
    init.signal = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    let response: Response;
    try {
      response = await this.#fetch(url, init);
    } catch (cause) {
      if (signal?.aborted === true) {
        throw signal.reason;
      }
      if (timeout.aborted) {
        throw new ClientError(
          'timeout',
          `${new URL(url).origin} did not answer within ${timeoutMs} ms`,
          {
            cause,
          },
        );
      }
      throw new ClientError(
        'unreachable',
        `cannot connect to ${new URL(url).origin}: ${networkReason(cause, new URL(url))}`,
        {
          cause,
        },
      );
    }
    const setCookies = response.headers.getSetCookie?.() ?? [];
    this.jar.store(setCookies);
    return response;
  }
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is the server running on that port?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function networkReason(error: unknown, url: URL): string {
  const cause =
    error instanceof Error
      ? (error.cause as { code?: string; message?: string } | undefined)
      : undefined;
  if (cause?.code !== undefined) {
    return NETWORK_CODES[cause.code] ?? cause.code;
  }
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  if (message === 'bad port') {
    // undici refuses the Fetch standard's "bad ports" (1, 7, 25, 6000 …) before connecting.
    return `fetch does not connect to port ${url.port} (one of the ports browsers block); use another port`;
  }
  return message;
}

/** Base64 of the UTF-8 bytes of `text` (what Basic auth wants; `btoa` alone only takes Latin-1). */
function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}
