import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { EtcdClient } from './etcd-client.js';
import { parseJsonObject } from './json-value.js';
import { PrefixWatcher, type RetryDelays } from './prefix-watcher.js';

/** Upstream's default `[mcu] keyprefix`. */
export const DEFAULT_PROXY_KEY_PREFIX = '/signaling/proxy/server';

/** Events of a source of signaling proxy URLs. */
export interface ProxyUrlEvents {
  added: [url: string];
  removed: [url: string];
}

/**
 * Where the proxy SFU gets its proxy URLs from (`[mcu] urltype`): it connects to every URL
 * announced by `added` and drops the connection on `removed`.
 */
export interface ProxyUrlSource extends EventEmitter<ProxyUrlEvents> {
  start(): void;
  close(): void;
  /** The current URLs (each ending in `/`). */
  urls(): string[];
}

/** Options of {@link EtcdProxyUrls}. */
export interface EtcdProxyUrlsOptions {
  client: EtcdClient;
  /** `[mcu] keyprefix` (default {@link DEFAULT_PROXY_KEY_PREFIX}). */
  keyPrefix?: string;
  logger: Logger;
  retry?: RetryDelays;
}

/**
 * Decodes a proxy entry as upstream does: a JSON object whose `address` (a non-empty string) is
 * the proxy URL, with a `/` appended when missing; other fields are ignored.
 */
export function parseProxyEntry(text: string): string {
  const entry = parseJsonObject(text);
  const address = entry.address;
  if (typeof address !== 'string' || address === '') {
    throw new Error('address missing');
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new Error(`invalid address "${address}"`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new Error(`invalid address "${address}" (need http(s):// or ws(s)://)`);
  }
  return address.endsWith('/') ? address : `${address}/`;
}

/**
 * Signaling proxy URLs from etcd (`[mcu] urltype = etcd`): every key under the prefix holds
 * `{"address": "https://proxy.example/"}`. A URL is `added` when the first key names it and
 * `removed` when the last key naming it is deleted or changes its address; two keys with the same
 * address give one URL.
 */
export class EtcdProxyUrls extends EventEmitter<ProxyUrlEvents> implements ProxyUrlSource {
  readonly #watcher: PrefixWatcher<string>;
  readonly #logger: Logger;
  /** How many keys name each URL. */
  readonly #counts = new Map<string, number>();

  constructor(options: EtcdProxyUrlsOptions) {
    super();
    this.#logger = options.logger;
    const watcherOptions: ConstructorParameters<typeof PrefixWatcher<string>>[0] = {
      client: options.client,
      prefix: options.keyPrefix ?? DEFAULT_PROXY_KEY_PREFIX,
      logger: options.logger,
      decode: (_key, text) => parseProxyEntry(text),
    };
    if (options.retry !== undefined) {
      watcherOptions.retry = options.retry;
    }
    this.#watcher = new PrefixWatcher(watcherOptions);
    this.#watcher.on('put', (key, url, previous) => {
      if (previous === url) {
        return;
      }
      this.#add(key, url);
      if (previous !== undefined) {
        this.#remove(key, previous);
      }
    });
    this.#watcher.on('delete', (key, previous) => this.#remove(key, previous));
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

  urls(): string[] {
    return [...this.#counts.keys()];
  }

  #add(key: string, url: string): void {
    const count = this.#counts.get(url) ?? 0;
    this.#counts.set(url, count + 1);
    if (count === 0) {
      this.#logger.info('proxy URL added from etcd', { url, key });
      this.emit('added', url);
    }
  }

  #remove(key: string, url: string): void {
    const count = this.#counts.get(url) ?? 0;
    if (count > 1) {
      this.#counts.set(url, count - 1);
    } else if (count === 1) {
      this.#counts.delete(url);
      this.#logger.info('proxy URL removed from etcd', { url, key });
      this.emit('removed', url);
    }
  }
}
