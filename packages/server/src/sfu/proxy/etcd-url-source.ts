import { EventEmitter } from 'node:events';
import type { EtcdProxyUrls } from '../../etcd/etcd-proxy-urls.js';
import type { ProxyUrlSource, ProxyUrlSourceEvents } from './proxy-sources.js';

/** The part of {@link EtcdProxyUrls} the adapter uses (tests may pass their own). */
export type EtcdUrls = Pick<EtcdProxyUrls, 'on' | 'off' | 'start' | 'close' | 'urls'>;

/**
 * `urltype = etcd`: the proxies announced under `[mcu] keyprefix` as a {@link ProxyUrlSource}.
 * Every URL added in etcd becomes one proxy connection, a URL whose last key is deleted is removed
 * (the connection closes once its publishers and subscribers are gone). `[mcu] url` plays no part,
 * and, as upstream, a reload (SIGHUP) changes nothing: a new `keyprefix` needs a restart.
 */
export class EtcdUrlSource extends EventEmitter<ProxyUrlSourceEvents> implements ProxyUrlSource {
  readonly #urls: EtcdUrls;
  readonly #added = (url: string) => this.emit('added', { url });
  readonly #removed = (url: string) => this.emit('removed', { url });
  #started = false;

  constructor(urls: EtcdUrls) {
    super();
    this.#urls = urls;
  }

  start(): void {
    if (this.#started) {
      return;
    }
    this.#started = true;
    this.#urls.on('added', this.#added);
    this.#urls.on('removed', this.#removed);
    // URLs read before start (none in practice: the watcher starts here) are announced too.
    for (const url of this.#urls.urls()) {
      this.#added(url);
    }
    this.#urls.start();
  }

  stop(): void {
    this.#urls.off('added', this.#added);
    this.#urls.off('removed', this.#removed);
    this.#urls.close();
  }

  reload(_urls: readonly string[]): void {
    // Upstream's etcd proxy configuration does not reload anything.
  }
}
