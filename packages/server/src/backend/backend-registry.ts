import type { BackendConfig, BackendsConfig } from '../config/server-config.js';

/** A Nextcloud instance clients may come from, as the hub sees it. */
export interface Backend {
  /** Config section id (`allowall` for an allow-all setup). */
  readonly id: string;
  /** Canonical base URLs. */
  readonly urls: readonly string[];
  /** Shared secret for checksums. */
  readonly secret: string;
  /** Maximum sessions, 0 = unlimited. */
  readonly sessionLimit: number;
  readonly maxStreamBitrate: number;
  readonly maxScreenBitrate: number;
  /** Legacy `[backend] allowed` form: any URL on these hosts (`host` or `host:port`) matches. */
  readonly hosts?: readonly string[];
  /** Whether `http:` URLs are accepted for this backend. */
  readonly allowHttp?: boolean;
}

/**
 * Answers "which backend is this URL?" for hello requests and backend API calls. Matching is by
 * canonical base URL prefix, longest first, so a Nextcloud in a sub-path wins over its host root.
 */
export class BackendRegistry {
  #backends: Backend[] = [];
  #byUrl: [string, Backend][] = [];
  #allowAll: Backend | undefined;

  constructor(config: BackendsConfig) {
    this.reload(config);
  }

  /** Replaces the backend list (used on SIGHUP). */
  reload(config: BackendsConfig): void {
    this.#backends = config.backends.map((b: BackendConfig) => ({ ...b }));
    this.#byUrl = this.#backends
      .flatMap((b) => b.urls.map((u): [string, Backend] => [u, b]))
      .sort((a, b) => b[0].length - a[0].length);
    this.#allowAll = config.allowAll
      ? (config.allowAllBackend ?? {
          id: 'compat',
          urls: [],
          secret: config.secret,
          sessionLimit: 0,
          maxStreamBitrate: 0,
          maxScreenBitrate: 0,
          allowHttp: true,
        })
      : undefined;
  }

  /** All configured backends. */
  get backends(): readonly Backend[] {
    return this.#backends;
  }

  /** The backend serving `canonicalUrl` (a base URL ending in `/`), if allowed. */
  lookup(canonicalUrl: string): Backend | undefined {
    if (this.#allowAll) {
      return this.#allowAll;
    }
    for (const [prefix, backend] of this.#byUrl) {
      if (canonicalUrl.startsWith(prefix)) {
        return backend;
      }
    }
    let url: URL;
    try {
      url = new URL(canonicalUrl);
    } catch {
      return undefined;
    }
    for (const backend of this.#backends) {
      if (backend.hosts?.includes(url.host.toLowerCase())) {
        return url.protocol === 'https:' || (url.protocol === 'http:' && backend.allowHttp === true)
          ? backend
          : undefined;
      }
    }
    return undefined;
  }

  /** A backend by its id. */
  byId(id: string): Backend | undefined {
    if (this.#allowAll && id === this.#allowAll.id) {
      return this.#allowAll;
    }
    return this.#backends.find((b) => b.id === id);
  }

  /**
   * Candidates for a backend API request: the backend named by `Spreed-Signaling-Backend`, or, for
   * old Talk versions that do not send it, every backend (each secret is tried).
   */
  candidatesFor(
    backendHeader: string | undefined,
    canonicalHeaderUrl: string | undefined,
  ): Backend[] {
    if (backendHeader !== undefined && backendHeader !== '') {
      const found = canonicalHeaderUrl === undefined ? undefined : this.lookup(canonicalHeaderUrl);
      return found ? [found] : [];
    }
    return this.#allowAll ? [this.#allowAll, ...this.#backends] : [...this.#backends];
  }
}
