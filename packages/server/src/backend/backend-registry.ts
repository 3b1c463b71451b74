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
      ? {
          id: 'allowall',
          urls: [],
          secret: config.secret,
          sessionLimit: 0,
          maxStreamBitrate: 0,
          maxScreenBitrate: 0,
        }
      : undefined;
  }

  /** All configured backends. */
  get backends(): readonly Backend[] {
    return this.#backends;
  }

  /** The backend serving `canonicalUrl` (a base URL ending in `/`), if allowed. */
  lookup(canonicalUrl: string): Backend | undefined {
    for (const [prefix, backend] of this.#byUrl) {
      if (canonicalUrl.startsWith(prefix)) {
        return backend;
      }
    }
    return this.#allowAll;
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
