import { canonicalBackendUrl } from '@spreed-ts/protocol';
import type { Backend, BackendRegistry } from '../backend/backend-registry.js';
import type { Logger } from '../logger.js';
import type { EtcdClient } from './etcd-client.js';
import { parseJsonObject } from './json-value.js';
import { PrefixWatcher, type RetryDelays } from './prefix-watcher.js';

/** Most URLs one backend entry may list. */
const MAX_URLS = 64;

/** A count or bitrate of an entry: a non-negative integer (Go's uint64), 0 when absent. */
function unsigned(entry: Record<string, unknown>, field: string): number {
  const value = entry[field];
  if (value === undefined || value === null) {
    return 0;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${field}: not a non-negative integer`);
  }
  return value;
}

/**
 * Decodes a backend entry with upstream's format and rules (`BackendInformationEtcd`):
 * `{"urls": [...], "secret": "...", "sessionlimit": N, "maxstreambitrate": N,
 * "maxscreenbitrate": N}`, where the old single `"url"` is used when `urls` is empty and the secret
 * is required. URLs are canonicalised like those of static backends and de-duplicated; the key is
 * the backend's id. Throws with the reason for an invalid entry.
 */
export function parseBackendEntry(key: string, text: string): Backend {
  const entry = parseJsonObject(text);
  const secret = entry.secret;
  if (secret !== undefined && secret !== null && typeof secret !== 'string') {
    throw new Error('secret: not a string');
  }
  if (secret === undefined || secret === null || secret === '') {
    throw new Error('secret missing');
  }
  let raw: unknown[] = [];
  if (entry.urls !== undefined && entry.urls !== null) {
    if (!Array.isArray(entry.urls)) {
      throw new Error('urls: not a list');
    }
    raw = entry.urls;
  }
  if (raw.length === 0 && entry.url !== undefined && entry.url !== null && entry.url !== '') {
    raw = [entry.url];
  }
  if (raw.length === 0) {
    throw new Error('urls missing');
  }
  if (raw.length > MAX_URLS) {
    throw new Error(`more than ${MAX_URLS} urls`);
  }
  const urls = new Set<string>();
  for (const item of raw) {
    if (typeof item !== 'string') {
      throw new Error('urls: not a list of strings');
    }
    const url = canonicalBackendUrl(item);
    if (url === undefined) {
      throw new Error(`invalid url "${item}" (need http:// or https://)`);
    }
    urls.add(url);
  }
  const list = [...urls];
  return {
    id: key,
    urls: list,
    secret,
    sessionLimit: unsigned(entry, 'sessionlimit'),
    maxStreamBitrate: unsigned(entry, 'maxstreambitrate'),
    maxScreenBitrate: unsigned(entry, 'maxscreenbitrate'),
    allowHttp: list.some((url) => url.startsWith('http:')),
  };
}

/** Options of {@link EtcdBackends}. */
export interface EtcdBackendsOptions {
  client: EtcdClient;
  /** `[backend] backendprefix`. */
  prefix: string;
  registry: BackendRegistry;
  logger: Logger;
  retry?: RetryDelays;
}

/**
 * `[backend] backendtype = etcd`: keeps the backend registry equal to the valid entries under the
 * prefix. A put adds or replaces the backend whose id is the key (a changed secret applies to the
 * next request), a delete removes it, so new hellos from it are refused as from any unknown
 * backend; sessions already connected stay, as upstream's do.
 */
export class EtcdBackends {
  readonly #watcher: PrefixWatcher<Backend>;

  constructor(options: EtcdBackendsOptions) {
    const { registry, logger } = options;
    const watcherOptions: ConstructorParameters<typeof PrefixWatcher<Backend>>[0] = {
      client: options.client,
      prefix: options.prefix,
      logger,
      decode: parseBackendEntry,
    };
    if (options.retry !== undefined) {
      watcherOptions.retry = options.retry;
    }
    this.#watcher = new PrefixWatcher(watcherOptions);
    this.#watcher.on('put', (key, backend, previous) => {
      registry.upsert(backend);
      logger.info(
        previous === undefined ? 'backend added from etcd' : 'backend updated from etcd',
        {
          key,
          urls: backend.urls.join(','),
        },
      );
    });
    this.#watcher.on('delete', (key, previous) => {
      registry.remove(key);
      logger.info('backend removed from etcd', { key, urls: previous.urls.join(',') });
    });
  }

  start(): void {
    this.#watcher.start();
  }

  /** Resolves once the first complete read of the prefix is applied. */
  synced(): Promise<void> {
    return this.#watcher.synced();
  }

  close(): void {
    this.#watcher.close();
  }
}
