import { calculateChecksum, randomHex } from '@spreed-ts/protocol';
import { type BackendFailure, BackendRequestError } from './backend-errors.js';
import type { Backend } from './backend-registry.js';
import type { CapabilitiesCache } from './capabilities.js';
import type { HttpFetcher } from './http-fetch.js';
import { parseJsonResponse } from './ocs.js';

const SIGNALING_PATH_V1 = 'ocs/v2.php/apps/spreed/api/v1/signaling/backend';
const SIGNALING_PATH_V3 = 'ocs/v2.php/apps/spreed/api/v3/signaling/backend';

/** The signaling URLs of one Nextcloud base URL and its host label. */
interface SignalingTarget {
  v1: string;
  v3: string;
  /** Host and port (when not the default) of the URL, as metrics label it. */
  host: string;
}

/** Base URLs remembered (a server knows a handful of backends). */
const TARGET_CACHE_LIMIT = 64;

/** Options of {@link BackendClient}. */
export interface BackendClientOptions {
  fetcher: HttpFetcher;
  capabilities: CapabilitiesCache;
  userAgent: string;
  /** Current server features, sent in `X-Spreed-Signaling-Features`. */
  features: () => readonly string[];
}

/** Observer for metrics; every hook is optional. */
export interface BackendClientObserver {
  /** A request to `host` for `backend` starts. */
  requestStarted?(backend: Backend, host: string): void;
  /** It ended after `seconds`; `failure` unless Talk answered with usable JSON. */
  requestFinished?(
    backend: Backend,
    host: string,
    seconds: number,
    failure: BackendFailure | 'other' | undefined,
  ): void;
}

/**
 * Sends the server's requests to Talk (`auth`, `room`, `ping`, `session`): signed with the
 * backend's secret, to the v3 endpoint when Talk's capabilities list `signaling-v3`, OCS envelope
 * unwrapped. Returns the decoded `data`; Talk reports failures inside it as `{type: "error"}`.
 */
export class BackendClient {
  readonly #options: BackendClientOptions;
  readonly #targets = new Map<string, SignalingTarget>();
  /** The last features list and its header value. */
  #features: readonly string[] = [];
  #featuresHeader = '';
  /** Metrics hooks. */
  observer: BackendClientObserver = {};

  constructor(options: BackendClientOptions) {
    this.#options = options;
  }

  /** The capabilities cache this client uses. */
  get capabilities(): CapabilitiesCache {
    return this.#options.capabilities;
  }

  /** POSTs `request` to the signaling backend endpoint of `baseUrl`. */
  async signalingRequest(backend: Backend, baseUrl: string, request: object): Promise<unknown> {
    const v3 = await this.#options.capabilities
      .hasFeature(baseUrl, 'signaling-v3')
      .catch(() => false);
    const target = this.#target(baseUrl);
    const url = v3 ? target.v3 : target.v1;
    const body = JSON.stringify(request);
    const random = randomHex(32);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'OCS-APIRequest': 'true',
      'User-Agent': this.#options.userAgent,
      'Spreed-Signaling-Random': random,
      'Spreed-Signaling-Checksum': calculateChecksum(random, body, backend.secret),
    };
    const features = this.#options.features();
    if (features.length > 0) {
      if (features !== this.#features) {
        this.#features = features;
        this.#featuresHeader = features.join(', ');
      }
      headers['X-Spreed-Signaling-Features'] = this.#featuresHeader;
    }
    const host = target.host;
    const started = performance.now();
    this.observer.requestStarted?.(backend, host);
    let failure: BackendFailure | 'other' | undefined;
    try {
      const response = await this.#options.fetcher.request('POST', url, headers, body);
      return parseJsonResponse(response, true);
    } catch (err) {
      failure = err instanceof BackendRequestError ? err.failure : 'other';
      throw err;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      this.observer.requestFinished?.(backend, host, seconds, failure);
    }
  }

  /** URLs and host of `baseUrl`, parsed once (throws a TypeError for an invalid URL). */
  #target(baseUrl: string): SignalingTarget {
    let target = this.#targets.get(baseUrl);
    if (target === undefined) {
      target = {
        v1: baseUrl + SIGNALING_PATH_V1,
        v3: baseUrl + SIGNALING_PATH_V3,
        host: new URL(baseUrl + SIGNALING_PATH_V1).host,
      };
      if (this.#targets.size >= TARGET_CACHE_LIMIT) {
        this.#targets.clear();
      }
      this.#targets.set(baseUrl, target);
    }
    return target;
  }
}
