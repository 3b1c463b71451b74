/**
 * `[app] tokentype = etcd`: the public keys of the signaling servers are read from etcd, under
 * `[tokens] keyformat` with `%s` standing for the token id. Puts and deletes apply to the next
 * hello without a restart; a reload (SIGHUP) takes a changed `keyformat`, as upstream.
 */
import type { KeyObject } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@spreed-ts/server';
import type { EtcdClient, EtcdTokenKeys } from '@spreed-ts/server/etcd';
import type { ProxyConfig } from './config.js';
import type { TokenKeys } from './token-keys.js';

/** How long startup waits for the first read of the keys (the proxy starts anyway). */
export const ETCD_KEYS_STARTUP_WAIT_MS = 5000;

/**
 * The etcd token keys of one proxy: its own etcd client (closed with the keys) and the watched
 * key formats. `get` answers from memory, so a hello never waits for etcd.
 */
export class EtcdProxyTokenKeys implements TokenKeys {
  readonly #client: EtcdClient;
  readonly #logger: Logger;
  readonly #create: (keyFormat: string | undefined) => EtcdTokenKeys;
  #keyFormat: string | undefined;
  #keys: EtcdTokenKeys;
  /** Keys of a reloaded format, used once their first read is done. */
  #pending: EtcdTokenKeys | undefined;
  #closed = false;

  private constructor(
    client: EtcdClient,
    keyFormat: string | undefined,
    logger: Logger,
    create: (keyFormat: string | undefined) => EtcdTokenKeys,
  ) {
    this.#client = client;
    this.#logger = logger;
    this.#create = create;
    this.#keyFormat = keyFormat;
    this.#keys = create(keyFormat);
  }

  /**
   * Connects to etcd (`[etcd]`), starts watching and waits up to `waitMs` for the first read of
   * the keys: without etcd the proxy still starts, refusing hellos until the keys arrive.
   */
  static async start(
    config: ProxyConfig,
    logger: Logger,
    waitMs = ETCD_KEYS_STARTUP_WAIT_MS,
  ): Promise<EtcdProxyTokenKeys> {
    // Loaded on demand: the etcd client (and gRPC) is only needed with etcd.
    const { EtcdClient, EtcdTokenKeys } = await import('@spreed-ts/server/etcd');
    const client = await EtcdClient.connect(config.etcd, logger);
    const keys = new EtcdProxyTokenKeys(client, config.keyFormat, logger, (keyFormat) => {
      const created = new EtcdTokenKeys({ client, keyFormat, logger });
      logger.info('using token key formats from etcd', { keyformat: keyFormat ?? '(default)' });
      return created;
    });
    const waiting = new AbortController();
    const synced = await Promise.race([
      keys.#keys.synced().then(() => true),
      sleep(waitMs, false, { signal: waiting.signal }).catch(() => false),
    ]);
    waiting.abort();
    if (!synced) {
      logger.warn('etcd did not answer yet, starting without token keys');
    }
    return keys;
  }

  get(id: string): KeyObject | undefined {
    return this.#keys.get(id);
  }

  /**
   * A changed `[tokens] keyformat` watches the keys of the new format; they replace the old ones
   * once read, so hellos are not refused meanwhile.
   */
  reload(config: ProxyConfig): void {
    if (this.#closed || config.keyFormat === this.#keyFormat) {
      return;
    }
    this.#keyFormat = config.keyFormat;
    this.#pending?.close();
    const next = this.#create(config.keyFormat);
    this.#pending = next;
    void next.synced().then(() => {
      if (this.#pending !== next) {
        return;
      }
      this.#pending = undefined;
      const previous = this.#keys;
      this.#keys = next;
      previous.close();
      this.#logger.info('token keys of the reloaded key format in use', {
        keyformat: config.keyFormat ?? '(default)',
      });
    });
  }

  close(): void {
    this.#closed = true;
    this.#pending?.close();
    this.#pending = undefined;
    this.#keys.close();
    this.#client.close();
  }
}
