interface StoredCookie {
  value: string;
  path: string;
  /** Epoch ms; undefined for session cookies. */
  expires: number | undefined;
}

/**
 * The one cookie jar a Talk client needs: every request to the Nextcloud server carries the PHP
 * session cookie, because Talk binds the guest's (and the user's) Talk session to it. One jar per
 * client, one origin; `Domain` is not needed for that and is ignored.
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Stores the cookies of `Set-Cookie` header values (one cookie per value). */
  store(setCookieHeaders: readonly string[]): void {
    for (const header of setCookieHeaders) {
      this.#storeOne(header);
    }
  }

  /** The `Cookie` header value for a request to `url`, or undefined when no cookie applies. */
  header(url: URL | string): string | undefined {
    const path = typeof url === 'string' ? new URL(url).pathname : url.pathname;
    const now = this.#now();
    const parts: string[] = [];
    for (const [name, cookie] of this.#cookies) {
      if (cookie.expires !== undefined && cookie.expires <= now) {
        this.#cookies.delete(name);
        continue;
      }
      if (pathMatches(path, cookie.path)) {
        parts.push(`${name}=${cookie.value}`);
      }
    }
    return parts.length === 0 ? undefined : parts.join('; ');
  }

  /** Names of the stored cookies (for diagnostics). */
  get names(): string[] {
    return [...this.#cookies.keys()];
  }

  #storeOne(header: string): void {
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      return;
    }
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = '/';
    let expires: number | undefined;
    let maxAge: number | undefined;
    for (const attribute of attributes) {
      const aeq = attribute.indexOf('=');
      const key = (aeq === -1 ? attribute : attribute.slice(0, aeq)).trim().toLowerCase();
      const val = aeq === -1 ? '' : attribute.slice(aeq + 1).trim();
      if (key === 'path' && val.startsWith('/')) {
        path = val;
      } else if (key === 'max-age' && /^-?\d+$/.test(val)) {
        maxAge = Number(val);
      } else if (key === 'expires') {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) {
          expires = t;
        }
      }
    }
    // Max-Age wins over Expires (RFC 6265 5.3 step 3).
    if (maxAge !== undefined) {
      expires = this.#now() + maxAge * 1000;
    }
    if (expires !== undefined && expires <= this.#now()) {
      this.#cookies.delete(name);
      return;
    }
    this.#cookies.set(name, { value, path, expires });
  }
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath || cookiePath === '/') {
    return true;
  }
  const prefix = cookiePath.endsWith('/') ? cookiePath : `${cookiePath}/`;
  return requestPath.startsWith(prefix);
}
