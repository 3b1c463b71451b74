import { signedHeaders } from '@spreed-ts/protocol';
import { type BackendFailure, BackendRequestError } from './backend-errors.js';
import type { Backend } from './backend-registry.js';
import type { CapabilitiesCache } from './capabilities.js';
import type { HttpFetcher } from './http-fetch.js';
import { parseJsonResponse } from './ocs.js';

const SIGNALING_PATH_V1 = 'ocs/v2.php/apps/spreed/api/v1/signaling/backend';
const SIGNALING_PATH_V3 = 'ocs/v2.php/apps/spreed/api/v3/signaling/backend';

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
    const url = baseUrl + (v3 ? SIGNALING_PATH_V3 : SIGNALING_PATH_V1);
    const body = JSON.stringify(request);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'OCS-APIRequest': 'true',
      'User-Agent': this.#options.userAgent,
      ...signedHeaders(body, backend.secret),
    };
    const features = this.#options.features();
    if (features.length > 0) {
      headers['X-Spreed-Signaling-Features'] = features.join(', ');
    }
    const host = new URL(url).host;
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
}
