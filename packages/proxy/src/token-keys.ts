/**
 * The public keys of the signaling servers allowed to connect, by token id (the `iss` of their
 * hello token). {@link StaticTokenKeys} reads `[tokens] id = /path/to/public.pem`; the etcd-backed
 * keys of `[app] tokentype = etcd` (etcd-token-keys.ts) plug in through the same {@link TokenKeys}.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, type Logger } from '@spreed-ts/server';
import type { ProxyConfig } from './config.js';

/** Largest key file read (a PEM public key is a few KiB at most). */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/** Where the proxy looks up the key of a token id. */
export interface TokenKeys {
  /** The public key of `id`, or undefined when the id is unknown. */
  get(id: string): KeyObject | undefined;
  /** Takes a reloaded configuration (SIGHUP); keys that fail to load are skipped with a log line. */
  reload?(config: ProxyConfig): void;
  /** Stops watching; `get` finds nothing afterwards. */
  close(): void;
}

/** Key types a hello token may be signed with: RSA (upstream), EC P-256 and Ed25519. */
export function checkKeyType(key: KeyObject): string | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'ed25519':
      return undefined;
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
        ? undefined
        : `unsupported EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'} (use P-256)`;
    default:
      return `unsupported key type ${key.asymmetricKeyType ?? '?'}`;
  }
}

/** Reads one PEM public key file; throws an Error saying what is wrong with it. */
export function readPublicKey(path: string): KeyObject {
  const data = readFileSync(path);
  if (data.length > MAX_KEY_FILE_BYTES) {
    throw new Error(`${path} is larger than ${MAX_KEY_FILE_BYTES} bytes`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: data, format: 'pem' });
  } catch (err) {
    throw new Error(`could not parse public key from ${path}: ${(err as Error).message}`);
  }
  const problem = checkKeyType(key);
  if (problem !== undefined) {
    throw new Error(`${path}: ${problem}`);
  }
  return key;
}

/** `[tokens]` of `tokentype = static`: keys read from files, re-read on reload. */
export class StaticTokenKeys implements TokenKeys {
  readonly #logger: Logger;
  #keys = new Map<string, KeyObject>();

  /** Reads every key; a missing or bad file is a {@link ConfigError} (startup stops). */
  constructor(tokens: Record<string, string>, logger: Logger) {
    this.#logger = logger;
    const keys = new Map<string, KeyObject>();
    for (const [id, path] of Object.entries(tokens)) {
      try {
        keys.set(id, readPublicKey(path));
      } catch (err) {
        throw new ConfigError('tokens', id, `${path}: ${(err as Error).message}`);
      }
    }
    this.#use(keys);
  }

  get(id: string): KeyObject | undefined {
    return this.#keys.get(id);
  }

  reload(config: ProxyConfig): void {
    const keys = new Map<string, KeyObject>();
    for (const [id, path] of Object.entries(config.tokens)) {
      try {
        keys.set(id, readPublicKey(path));
      } catch (err) {
        this.#logger.warn('could not load token key, ignoring it', {
          id,
          error: (err as Error).message,
        });
      }
    }
    this.#use(keys);
  }

  close(): void {
    this.#keys = new Map();
  }

  #use(keys: Map<string, KeyObject>): void {
    this.#keys = keys;
    if (keys.size === 0) {
      this.#logger.warn('no token keys loaded: no signaling server can connect');
    } else {
      this.#logger.info('enabled token keys', { ids: [...keys.keys()].sort().join(',') });
    }
  }
}
