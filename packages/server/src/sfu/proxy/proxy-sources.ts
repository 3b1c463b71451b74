import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { Logger } from '../../logger.js';

/**
 * One proxy to connect to: its base URL and, with DNS discovery, one address its host name
 * resolved to (one connection per address).
 */
export interface ProxyTarget {
  url: string;
  ip?: string;
}

/** The key of a target (`url` or `url|ip`). */
export function targetKey(target: ProxyTarget): string {
  return target.ip === undefined ? target.url : `${target.url}|${target.ip}`;
}

/** Events of a {@link ProxyUrlSource}. */
export type ProxyUrlSourceEvents = {
  /** Connect to this proxy. */
  added: [target: ProxyTarget];
  /** Stop using this proxy (existing publishers and subscribers may finish first). */
  removed: [target: ProxyTarget];
};

/**
 * Where the proxies come from (`[mcu] urltype`): emits `added` / `removed` as the list changes.
 * `start` emits the initial list; `reload` takes a changed `[mcu]` (SIGHUP); an etcd source
 * watching `[mcu] keyprefix` plugs in through the same interface.
 */
export interface ProxyUrlSource extends EventEmitter<ProxyUrlSourceEvents> {
  start(): void;
  stop(): void;
  /** `[mcu] url` (space-separated) after a reload; sources that do not read it ignore it. */
  reload(urls: readonly string[]): void;
}

/** `urltype = static` without DNS discovery: the configured URLs, one connection each. */
export class StaticUrlSource extends EventEmitter<ProxyUrlSourceEvents> implements ProxyUrlSource {
  #urls: string[];
  #started = false;

  constructor(urls: readonly string[]) {
    super();
    this.#urls = [...new Set(urls)];
  }

  start(): void {
    this.#started = true;
    for (const url of this.#urls) {
      this.emit('added', { url });
    }
  }

  stop(): void {
    this.#started = false;
  }

  reload(urls: readonly string[]): void {
    const next = [...new Set(urls)];
    const before = this.#urls;
    this.#urls = next;
    if (!this.#started) {
      return;
    }
    for (const url of before) {
      if (!next.includes(url)) {
        this.emit('removed', { url });
      }
    }
    for (const url of next) {
      if (!before.includes(url)) {
        this.emit('added', { url });
      }
    }
  }
}

/** Resolves a host name to its addresses. */
export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true })).map((entry) => entry.address);

/** Upstream's DNS monitor interval. */
export const DNS_INTERVAL_MS = 1_000;

/**
 * `urltype = static` with `dnsdiscovery = true`: every URL's host name is resolved, one target per
 * address, and resolved again every {@link DNS_INTERVAL_MS}; addresses that appear are added, those
 * that disappear removed. A URL whose host is an IP address is used as it is. A failed lookup keeps
 * the last known addresses (a DNS hiccup must not drop working proxies).
 */
export class DnsUrlSource extends EventEmitter<ProxyUrlSourceEvents> implements ProxyUrlSource {
  #urls: string[];
  readonly #known = new Map<string, Set<string>>();
  readonly #resolve: Resolver;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #busy = false;

  constructor(
    urls: readonly string[],
    logger: Logger,
    options: { resolve?: Resolver; intervalMs?: number } = {},
  ) {
    super();
    this.#urls = [...new Set(urls)];
    this.#logger = logger;
    this.#resolve = options.resolve ?? systemResolver;
    this.#intervalMs = options.intervalMs ?? DNS_INTERVAL_MS;
  }

  start(): void {
    this.#running = true;
    void this.#refresh();
    this.#timer = setInterval(() => void this.#refresh(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#running = false;
    clearInterval(this.#timer);
  }

  reload(urls: readonly string[]): void {
    this.#urls = [...new Set(urls)];
    for (const [url, ips] of [...this.#known]) {
      if (!this.#urls.includes(url)) {
        this.#known.delete(url);
        for (const ip of ips) {
          this.emit('removed', { url, ip });
        }
      }
    }
    if (this.#running) {
      void this.#refresh();
    }
  }

  async #refresh(): Promise<void> {
    if (this.#busy) {
      return;
    }
    this.#busy = true;
    try {
      await Promise.all(this.#urls.map((url) => this.#refreshUrl(url)));
    } finally {
      this.#busy = false;
    }
  }

  async #refreshUrl(url: string): Promise<void> {
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    } catch {
      return;
    }
    let addresses: string[];
    if (isIP(host) !== 0) {
      addresses = [host];
    } else {
      try {
        addresses = await this.#resolve(host);
      } catch (err) {
        this.#logger.warn('could not resolve proxy host', { url, error: String(err) });
        return;
      }
    }
    if (!this.#running || !this.#urls.includes(url)) {
      return;
    }
    const next = new Set(addresses);
    const before = this.#known.get(url) ?? new Set<string>();
    this.#known.set(url, next);
    for (const ip of before) {
      if (!next.has(ip)) {
        this.emit('removed', { url, ip });
      }
    }
    for (const ip of next) {
      if (!before.has(ip)) {
        this.emit('added', { url, ip });
      }
    }
  }
}
