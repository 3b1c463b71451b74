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
 * canonical base URL prefix, longest first, so a Nextcloud in a sub-path wins over its host root;
 * of two backends with the same URL the one added first wins.
 *
 * With `[backend] backendtype = etcd` the list changes at run time through {@link upsert} and
 * {@link remove}, and {@link reload} (SIGHUP) leaves it alone, as upstream does.
 */
export class BackendRegistry {
  #backends: Backend[] = [];
  #byUrl: [string, Backend][] = [];
  #allowAll: Backend | undefined;
  #dynamic = false;

  constructor(config: BackendsConfig) {
    this.reload(config);
  }

  /**
   * Replaces the backend list (used on SIGHUP). Backends from etcd are kept: they change only
   * through etcd.
   */
  reload(config: BackendsConfig): void {
    const dynamic = config.etcd !== undefined;
    if (!dynamic || !this.#dynamic) {
      this.#backends = config.backends.map((b: BackendConfig) => ({ ...b }));
    }
    this.#dynamic = dynamic;
    this.#index();
    this.#allowAll =
      !dynamic && config.allowAll
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

  /** Adds a backend or replaces the one with the same id (backends from etcd). */
  upsert(backend: Backend): void {
    const copy = { ...backend, urls: [...backend.urls] };
    const index = this.#backends.findIndex((b) => b.id === backend.id);
    if (index === -1) {
      this.#backends = [...this.#backends, copy];
    } else {
      this.#backends = this.#backends.map((b, i) => (i === index ? copy : b));
    }
    this.#index();
  }

  /** Removes the backend with this id; false when there is none. */
  remove(id: string): boolean {
    const remaining = this.#backends.filter((b) => b.id !== id);
    if (remaining.length === this.#backends.length) {
      return false;
    }
    this.#backends = remaining;
    this.#index();
    return true;
  }

  /** Rebuilds the URL index; `sort` is stable, so equal URLs keep the order backends came in. */
  #index(): void {
    this.#byUrl = this.#backends
      .flatMap((b) => b.urls.map((u): [string, Backend] => [u, b]))
      .sort((a, b) => b[0].length - a[0].length);
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
