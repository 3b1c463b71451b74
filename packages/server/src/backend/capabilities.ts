import { isObject } from '@spreed-ts/protocol';
import type { HttpFetcher } from './http-fetch.js';
import { parseJsonResponse } from './ocs.js';

/** Capabilities are kept at least this long, whatever Cache-Control says. */
const MIN_CACHE_MS = 60_000;
/** A forced refresh (missing JWT key) happens at most this often per instance. */
const MIN_INVALIDATE_INTERVAL_MS = 60_000;

interface Entry {
  /** The `spreed` capabilities object, or undefined when Talk published none. */
  spreed: Record<string, unknown> | undefined;
  nextUpdate: number;
  etag: string;
  mustRevalidate: boolean;
  inFlight: Promise<void> | undefined;
  nextInvalidate: number;
}

/** Capability lookups, with whether the answer came from the cache. */
export interface CapabilityLookup<T> {
  value: T | undefined;
  cached: boolean;
}

/**
 * Cache of Talk's capabilities per Nextcloud base URL, with upstream's rules: honour `max-age`
 * (at least a minute), revalidate with `If-None-Match`, drop the data on errors only when the
 * server asked for `must-revalidate`, one refresh in flight per URL, forced refreshes at most once a
 * minute.
 */
export class CapabilitiesCache {
  readonly #fetcher: HttpFetcher;
  readonly #userAgent: string;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(fetcher: HttpFetcher, userAgent: string, now: () => number = Date.now) {
    this.#fetcher = fetcher;
    this.#userAgent = userAgent;
    this.#now = now;
  }

  #entry(baseUrl: string): Entry {
    let entry = this.#entries.get(baseUrl);
    if (!entry) {
      entry = {
        spreed: undefined,
        nextUpdate: 0,
        etag: '',
        mustRevalidate: false,
        inFlight: undefined,
        nextInvalidate: 0,
      };
      this.#entries.set(baseUrl, entry);
    }
    return entry;
  }

  async #load(
    baseUrl: string,
  ): Promise<{ spreed: Record<string, unknown> | undefined; cached: boolean }> {
    const entry = this.#entry(baseUrl);
    if (entry.nextUpdate > this.#now() && !entry.inFlight) {
      return { spreed: entry.spreed, cached: true };
    }
    if (!entry.inFlight) {
      entry.inFlight = this.#refresh(baseUrl, entry).finally(() => {
        entry.inFlight = undefined;
      });
    }
    try {
      await entry.inFlight;
    } catch {
      // Keep serving what we had unless the server demanded revalidation (handled in #refresh).
    }
    return { spreed: entry.spreed, cached: false };
  }

  async #refresh(baseUrl: string, entry: Entry): Promise<void> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'OCS-APIRequest': 'true',
      'User-Agent': this.#userAgent,
    };
    if (entry.etag) {
      headers['If-None-Match'] = entry.etag;
    }
    let response: Awaited<ReturnType<HttpFetcher['request']>>;
    try {
      response = await this.#fetcher.request(
        'GET',
        `${baseUrl}ocs/v2.php/cloud/capabilities`,
        headers,
      );
    } catch (err) {
      this.#failed(entry);
      throw err;
    }
    entry.etag = String(response.headers.etag ?? '');
    let maxAgeMs = 0;
    const cacheControl = String(response.headers['cache-control'] ?? '');
    if (cacheControl !== '') {
      // Like upstream, a response without Cache-Control keeps the previous revalidation rule.
      entry.mustRevalidate = /(^|,)\s*must-revalidate\s*(,|$)/i.test(cacheControl);
    }
    const maxAge = /(^|,)\s*max-age\s*=\s*(\d+)/i.exec(cacheControl);
    if (maxAge && !/(^|,)\s*no-cache/i.test(cacheControl)) {
      maxAgeMs = Number(maxAge[2]) * 1000;
    }
    entry.nextUpdate = this.#now() + Math.max(maxAgeMs, MIN_CACHE_MS);
    if (response.status === 304) {
      return;
    }
    if (response.status !== 200) {
      this.#failed(entry);
      return;
    }
    let data: unknown;
    try {
      data = parseJsonResponse(response, true);
    } catch (err) {
      this.#failed(entry);
      throw err;
    }
    const capabilities = isObject(data) ? data.capabilities : undefined;
    const spreed = isObject(capabilities) ? capabilities.spreed : undefined;
    entry.spreed = isObject(spreed) ? spreed : undefined;
  }

  #failed(entry: Entry): void {
    if (entry.mustRevalidate) {
      entry.spreed = undefined;
    }
  }

  /** Whether Talk at `baseUrl` lists `feature` in `spreed.features`. */
  async hasFeature(baseUrl: string, feature: string): Promise<boolean> {
    const { spreed } = await this.#load(baseUrl);
    const features = spreed?.features;
    return Array.isArray(features) && features.includes(feature);
  }

  /** A value of `spreed.config.<group>.<key>`. */
  async getConfig(baseUrl: string, group: string, key: string): Promise<CapabilityLookup<unknown>> {
    const { spreed, cached } = await this.#load(baseUrl);
    const config = spreed?.config;
    const groupObj = isObject(config) ? config[group] : undefined;
    const value = isObject(groupObj) ? groupObj[key] : undefined;
    return { value, cached };
  }

  /** Forces the next lookup to refetch, at most once a minute per URL. */
  invalidate(baseUrl: string): void {
    const entry = this.#entry(baseUrl);
    const now = this.#now();
    if (entry.nextInvalidate > now) {
      return;
    }
    entry.nextUpdate = now;
    entry.nextInvalidate = now + MIN_INVALIDATE_INTERVAL_MS;
  }
}
