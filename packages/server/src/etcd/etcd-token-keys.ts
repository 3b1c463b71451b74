import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { EtcdClient } from './etcd-client.js';
import { PrefixWatcher, type RetryDelays } from './prefix-watcher.js';

/** Default `[tokens] keyformat` of the proxy. */
export const DEFAULT_TOKEN_KEY_FORMAT = '/signaling/proxy/tokens/%s/public-key';

/** The public keys the proxy checks the signaling servers' tokens with, by token id (`iss`). */
export interface TokenKeys {
  get(id: string): KeyObject | undefined;
  close(): void;
}

/** One `keyformat` entry split at its `%s`. */
interface KeyFormat {
  prefix: string;
  suffix: string;
}

/**
 * Splits `[tokens] keyformat`: comma-separated formats, each with exactly one `%s` standing for the
 * token id (upstream formats the id into each with Go's Sprintf). Empty gives the default. Throws
 * for a format without exactly one `%s`.
 */
export function parseKeyFormats(value: string | undefined): KeyFormat[] {
  const formats = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return (formats.length > 0 ? formats : [DEFAULT_TOKEN_KEY_FORMAT]).map((format) => {
    const parts = format.split('%s');
    if (
      parts.length !== 2 ||
      (parts[0] as string).includes('%') ||
      (parts[1] as string).includes('%')
    ) {
      throw new Error(`invalid key format "${format}": needs exactly one %s and no other %`);
    }
    return { prefix: parts[0] as string, suffix: parts[1] as string };
  });
}

/** A PEM-encoded RSA public key (upstream accepts RSA only); throws with a reason. */
export function parseRsaPublicKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (err) {
    throw new Error(`not a PEM public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`not an RSA key but ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

/** Options of {@link EtcdTokenKeys}. */
export interface EtcdTokenKeysOptions {
  client: EtcdClient;
  /** `[tokens] keyformat` as configured (undefined: the default). */
  keyFormat?: string | undefined;
  logger: Logger;
  retry?: RetryDelays;
  /** Close the client with {@link EtcdTokenKeys.close} (when it was made for the keys alone). */
  ownsClient?: boolean;
}

/**
 * Token public keys from etcd (the proxy's `[tokens] tokentype = etcd`): the key of id `ID` is the
 * PEM text stored under each `keyformat` with `%s` replaced by `ID`, the first format holding a
 * valid key winning. All keys under each format's fixed prefix are watched, so {@link get} answers
 * from memory and follows puts and deletes at once; invalid keys are logged and ignored.
 */
export class EtcdTokenKeys implements TokenKeys {
  readonly #formats: KeyFormat[];
  readonly #watchers: PrefixWatcher<KeyObject>[];
  readonly #client: EtcdClient;
  readonly #ownsClient: boolean;

  constructor(options: EtcdTokenKeysOptions) {
    this.#formats = parseKeyFormats(options.keyFormat);
    this.#client = options.client;
    this.#ownsClient = options.ownsClient ?? false;
    // One watcher per distinct prefix; formats sharing a prefix share it.
    const prefixes = [...new Set(this.#formats.map((format) => format.prefix))];
    this.#watchers = prefixes.map((prefix) => {
      const watcherOptions: ConstructorParameters<typeof PrefixWatcher<KeyObject>>[0] = {
        client: options.client,
        prefix,
        logger: options.logger,
        decode: (_key, text) => parseRsaPublicKey(text),
      };
      if (options.retry !== undefined) {
        watcherOptions.retry = options.retry;
      }
      return new PrefixWatcher(watcherOptions);
    });
    for (const watcher of this.#watchers) {
      watcher.on('put', (key, _value, previous) =>
        options.logger.info(previous === undefined ? 'token key added' : 'token key updated', {
          key,
        }),
      );
      watcher.on('delete', (key) => options.logger.info('token key removed', { key }));
      watcher.start();
    }
  }

  /** Resolves once every prefix has been read completely. */
  async synced(): Promise<void> {
    await Promise.all(this.#watchers.map((watcher) => watcher.synced()));
  }

  get(id: string): KeyObject | undefined {
    if (id === '') {
      return undefined;
    }
    for (const format of this.#formats) {
      const key = `${format.prefix}${id}${format.suffix}`;
      for (const watcher of this.#watchers) {
        if (watcher.prefix === format.prefix) {
          const found = watcher.get(key);
          if (found !== undefined) {
            return found;
          }
        }
      }
    }
    return undefined;
  }

  close(): void {
    for (const watcher of this.#watchers) {
      watcher.close();
    }
    if (this.#ownsClient) {
      this.#client.close();
    }
  }
}
