import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TalkModel } from '../model/talk-model.js';
import type { PhpSession } from '../model/types.js';

/** Everything a route handler gets about one request. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly url: URL;
  /** The body exactly as received (checksums cover these bytes). */
  readonly rawBody: Buffer;
  /** Query and body parameters merged, body winning (Nextcloud `IRequest::getParam`). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The PHP session of the cookie (created, with Set-Cookie, when the request had none). */
  readonly php: PhpSession;
  /** The logged-in user (Basic auth, or remembered by the PHP session). */
  readonly userId: string | undefined;
  /** Basic auth was sent but did not match a user. */
  readonly authFailed: boolean;
  /** Whether Nextcloud's CSRF check for OCS controllers passes. */
  readonly passesCsrf: boolean;
}

/** Nextcloud's same-site cookies, set together with the session cookie. */
const SAME_SITE_COOKIES = [
  'nc_sameSiteCookielax=true; path=/; httponly; samesite=lax',
  'nc_sameSiteCookiestrict=true; path=/; httponly; samesite=strict',
];

/** Parses a `Cookie` header. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
    }
  }
  return out;
}

/** Reads the whole request body, refusing more than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      throw new RangeError('request body too large');
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function parseParams(url: URL, req: IncomingMessage, body: Buffer): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) {
    params[key] = value;
  }
  if (body.length === 0) {
    return params;
  }
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const text = body.toString('utf8');
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        Object.assign(params, parsed);
      }
    } catch {
      // Nextcloud ignores an unparsable JSON body.
    }
  } else if (type.includes('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(text)) {
      params[key] = value;
    }
  }
  return params;
}

/** Options of {@link createRequestContext}. */
export interface ContextOptions {
  model: TalkModel;
  /** Name of the PHP session cookie. */
  cookieName: string;
}

/** Resolves cookies, PHP session and Basic auth for one request. */
export function createRequestContext(
  options: ContextOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  rawBody: Buffer,
): RequestContext {
  const { model, cookieName } = options;
  const cookies = parseCookies(req.headers.cookie);
  const cookieValue = cookies.get(cookieName);
  let php = cookieValue === undefined ? undefined : model.phpSession(cookieValue);
  if (php === undefined) {
    php = model.createPhpSession();
    res.setHeader('Set-Cookie', [
      `${cookieName}=${php.id}; path=/; httponly; samesite=lax`,
      ...SAME_SITE_COOKIES,
    ]);
  }
  let userId = php.userId;
  let authFailed = false;
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('basic ') === true) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user =
      colon === -1
        ? undefined
        : model.users.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1));
    if (user === undefined) {
      authFailed = true;
      userId = undefined;
    } else {
      userId = user.id;
      php.userId = user.id;
    }
  }
  const params = parseParams(url, req, rawBody);
  const ocsHeader = req.headers['ocs-apirequest'];
  const tokenHeader = req.headers.requesttoken;
  const tokenParam = params.requesttoken;
  const passesCsrf =
    (typeof ocsHeader === 'string' && ocsHeader !== '') ||
    tokenHeader === php.requestToken ||
    tokenParam === php.requestToken;
  return {
    req,
    res,
    method: req.method ?? 'GET',
    url,
    rawBody,
    params,
    php,
    userId,
    authFailed,
    passesCsrf,
  };
}

/** A string parameter, or `fallback`. */
export function stringParam(ctx: RequestContext, name: string, fallback = ''): string {
  const value = ctx.params[name];
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return fallback;
}

/** An integer parameter, or `fallback` when absent or not a number. */
export function intParam(ctx: RequestContext, name: string, fallback: number): number {
  const value = ctx.params[name];
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

/** A boolean parameter (`true`, `"true"`, `1`, `"1"`), or `fallback`. */
export function boolParam(ctx: RequestContext, name: string, fallback: boolean): boolean {
  const value = ctx.params[name];
  if (value === undefined || value === null || value === '') {
    return fallback;
  }
  return value === true || value === 1 || value === 'true' || value === '1';
}
