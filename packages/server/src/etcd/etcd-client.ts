import { readFileSync } from 'node:fs';
import { Etcd3, type IOptions, type IWatchResponse } from 'etcd3';
import type { Logger } from '../logger.js';
import { type EtcdConfig, endpointUrl } from './etcd-config.js';
import { discoverEtcdEndpoints, type SrvResolver } from './srv-discovery.js';

/** One key and its value, as read from etcd. */
export interface EtcdKeyValue {
  key: string;
  value: Buffer;
}

/** A range read: the keys under a prefix at one revision of the store. */
export interface EtcdRange {
  /** Revision of the store the read saw; a watch from `revision + 1` misses nothing. */
  revision: bigint;
  kvs: EtcdKeyValue[];
  /** More keys exist than the read's limit let through. */
  more: boolean;
}

/** A change seen by a watch. */
export type EtcdWatchEvent =
  | { type: 'put'; key: string; value: Buffer }
  | { type: 'delete'; key: string };

/** Callbacks of {@link EtcdClient.watchPrefix}. */
export interface EtcdWatchHandlers {
  /** A batch of changes; `revision` is the store's revision after them. */
  events(revision: bigint, events: EtcdWatchEvent[]): void;
  /** The watch ended (stream error, etcd gone, watch canceled by etcd); it is not resumed. */
  closed(error: Error): void;
}

/** A running watch. */
export interface EtcdWatch {
  cancel(): void;
}

/** Options of {@link EtcdClient.connect}. */
export interface EtcdClientOptions {
  /** DNS SRV lookups for `discoverysrv` (tests pass their own). */
  resolveSrv?: SrvResolver;
  /** Deadline of single requests (default 3 s). */
  requestTimeoutMs?: number;
}

/** `etcd` of `/api/v1/serverinfo` (upstream's BackendServerInfoEtcd). */
export interface EtcdServerInfo {
  /** The endpoints dialed. */
  endpoints: string[];
  /** The endpoint (`host:port`) of the last request, once there was one. */
  active?: string;
  /** Whether that request (or the last watch event) went through. */
  connected?: boolean;
}

/** What the client last saw of the cluster (written by the per-host policy and the watches). */
interface ConnectionState {
  active: string | undefined;
  connected: boolean | undefined;
}

/** Upstream's client gives up dialing after a second; retrying is the callers' business. */
const DIAL_TIMEOUT_MS = 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 3000;

type FaultPolicy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/**
 * A policy that runs the call once. The etcd3 package's defaults (three retries, then a circuit
 * breaker that refuses calls for five seconds) would delay noticing that etcd is back; the
 * watchers here retry with their own backoff instead. Only `execute` is used by the package.
 */
const passThrough = {
  execute: async <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T) =>
    fn({ signal: new AbortController().signal }),
} as unknown as FaultPolicy;

/**
 * {@link passThrough} for one host that also notes in `state` which host the last call went to
 * and whether it succeeded (the package calls the host policy for every request and for every
 * failure of a stream, so this is the client's view of its active connection).
 */
function trackingPolicy(host: string, state: ConnectionState): FaultPolicy {
  const name = host.replace(/^[a-z]+:\/\//, '');
  return {
    execute: async <T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T) => {
      state.active = name;
      try {
        const result = await fn({ signal: new AbortController().signal });
        state.connected = true;
        return result;
      } catch (err) {
        state.connected = false;
        throw err;
      }
    },
  } as unknown as FaultPolicy;
}

/** The first key after every key that starts with `prefix` (etcd's range end of a prefix). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff (or the prefix is empty): the range reaches the end of the key space.
  return Buffer.from([0]);
}

/**
 * The connection to an etcd cluster shared by the watchers of one process (upstream's `etcd`
 * client): endpoints from `[etcd]` or DNS SRV discovery, optional client TLS. Creating it does not
 * wait for etcd: requests fail while it is unreachable, and the gRPC channel reconnects.
 */
export class EtcdClient {
  /** The endpoints dialed (with scheme). */
  readonly endpoints: readonly string[];
  readonly #client: Etcd3;
  readonly #requestTimeoutMs: number;
  readonly #state: ConnectionState;
  #closed = false;

  private constructor(
    endpoints: string[],
    client: Etcd3,
    requestTimeoutMs: number,
    state: ConnectionState,
  ) {
    this.endpoints = endpoints;
    this.#client = client;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#state = state;
  }

  /**
   * Resolves the endpoints (SRV discovery when configured so) and reads the TLS files. Throws when
   * nothing is configured, discovery finds nothing or a TLS file cannot be read: upstream stops
   * at startup in these cases too.
   */
  static async connect(
    config: EtcdConfig,
    logger: Logger,
    options: EtcdClientOptions = {},
  ): Promise<EtcdClient> {
    const tls = config.tls !== undefined;
    let endpoints = config.endpoints.map((entry) => endpointUrl(entry, tls));
    if (endpoints.length === 0 && config.discoverySrv !== '') {
      endpoints = await discoverEtcdEndpoints(
        config.discoverySrv,
        config.discoveryService,
        options.resolveSrv,
      );
    }
    const hosts = endpoints.filter((entry): entry is string => entry !== undefined);
    if (hosts.length === 0) {
      throw new Error('no etcd endpoints configured');
    }
    const state: ConnectionState = { active: undefined, connected: undefined };
    const etcdOptions: IOptions = {
      hosts,
      dialTimeout: DIAL_TIMEOUT_MS,
      faultHandling: { host: (host) => trackingPolicy(host, state), global: passThrough },
      grpcOptions: {
        // Notice a silently dead connection (etcd allows pings every 5 s and more).
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5000,
        'grpc.keepalive_permit_without_calls': 1,
        'grpc.max_reconnect_backoff_ms': 8000,
      },
    };
    if (config.tls !== undefined) {
      try {
        etcdOptions.credentials = {
          rootCertificate: readFileSync(config.tls.caCert),
          privateKey: readFileSync(config.tls.clientKey),
          certChain: readFileSync(config.tls.clientCert),
        };
      } catch (err) {
        throw new Error(`could not set up the etcd TLS configuration: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    logger.info('using etcd endpoints', { endpoints: hosts.join(',') });
    return new EtcdClient(
      hosts,
      new Etcd3(etcdOptions),
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      state,
    );
  }

  /**
   * `etcd` of `/api/v1/serverinfo`: the endpoints, and once a request was made the endpoint it
   * went to and whether the connection worked.
   */
  serverInfo(): EtcdServerInfo {
    const info: EtcdServerInfo = { endpoints: [...this.endpoints] };
    if (this.#state.active !== undefined) {
      info.active = this.#state.active;
      if (this.#state.connected !== undefined) {
        info.connected = this.#state.connected && !this.#closed;
      }
    }
    return info;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #deadline(): { deadline: number } {
    return { deadline: Date.now() + this.#requestTimeoutMs };
  }

  /** Reads the keys under `prefix` (at most `limit`, 0 = all) in key order. */
  async rangePrefix(prefix: string, limit = 0): Promise<EtcdRange> {
    const key = Buffer.from(prefix);
    const response = await this.#client.kv.range(
      { key, range_end: prefixRangeEnd(key), limit },
      this.#deadline(),
    );
    return {
      revision: BigInt(response.header.revision),
      kvs: response.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value })),
      more: response.more,
    };
  }

  /** Stores `value` under `key`. */
  async put(key: string, value: string | Buffer): Promise<void> {
    await this.#client.kv.put(
      { key: Buffer.from(key), value: Buffer.from(value) },
      this.#deadline(),
    );
  }

  /** Deletes `key`. */
  async delete(key: string): Promise<void> {
    await this.#client.kv.deleteRange({ key: Buffer.from(key) }, this.#deadline());
  }

  /**
   * Watches the keys under `prefix` from `startRevision` on, on a gRPC stream of its own. The
   * watch is not resumed after an error: {@link EtcdWatchHandlers.closed} tells the caller, who
   * reads the prefix again (the store may have been replaced meanwhile, revisions and all).
   */
  watchPrefix(prefix: string, startRevision: bigint, handlers: EtcdWatchHandlers): EtcdWatch {
    let done = false;
    let cancelStream: (() => void) | undefined;
    const finish = (error: Error) => {
      if (!done) {
        done = true;
        cancelStream?.();
        handlers.closed(error);
      }
    };
    const key = Buffer.from(prefix);
    this.#client.watchClient.watch().then(
      (stream) => {
        cancelStream = () => stream.cancel();
        if (done) {
          stream.cancel();
          return;
        }
        stream.on('data', (response: IWatchResponse) => {
          if (done) {
            return;
          }
          if (response.canceled) {
            const reason = response.cancel_reason || 'no reason given';
            const compacted =
              response.compact_revision !== '0' && response.compact_revision !== ''
                ? ` (compacted at revision ${response.compact_revision})`
                : '';
            finish(new Error(`watch canceled by etcd: ${reason}${compacted}`));
            return;
          }
          this.#state.connected = true;
          if (response.created || response.events.length === 0) {
            return;
          }
          handlers.events(
            BigInt(response.header.revision),
            response.events.map(
              (event): EtcdWatchEvent =>
                event.type === 'Delete'
                  ? { type: 'delete', key: event.kv.key.toString() }
                  : { type: 'put', key: event.kv.key.toString(), value: event.kv.value },
            ),
          );
        });
        stream.on('error', (err: Error) => {
          this.#state.connected = false;
          finish(err);
        });
        stream.on('end', () => finish(new Error('watch stream ended')));
        stream.write({
          create_request: {
            key,
            range_end: prefixRangeEnd(key),
            start_revision: startRevision.toString(),
          },
        });
      },
      (err: Error) => finish(err),
    );
    return { cancel: () => finish(new Error('canceled')) };
  }

  /** Closes the connection; pending requests fail and watches end. */
  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#client.close();
    }
  }
}
