import type { EtcdConfig } from '../etcd/etcd-config.js';

/**
 * The typed configuration of the signaling server, read from upstream's `server.conf` format.
 * Durations are in milliseconds, bitrates in bits per second.
 */

/** One Nextcloud instance the server accepts clients from. */
export interface BackendConfig {
  /**
   * Backend id as listed in `[backend] backends` (its section name), or `compat` (upstream's id, also
   * used as metrics label) for the legacy `[backend] allowed` form and for allowall.
   */
  id: string;
  /** Canonical base URLs (ending in `/`), see `canonicalBackendUrl`. Empty for `compat`. */
  urls: string[];
  /**
   * Legacy `[backend] allowed` form only: lower-cased `host` or `host:port` values. A client URL
   * belongs to this backend when its host (`URL.host`, default port dropped) is listed, whatever its
   * path; `http:` URLs only with {@link allowHttp}. Absent for URL-based backends and allowall.
   */
  hosts?: string[];
  /**
   * Whether `http:` backend URLs are accepted (otherwise only `https:`). URL-based backends: true
   * when one of `urls` is `http:`. Legacy form: `[backend] allowhttp`. Allowall: always true.
   */
  allowHttp?: boolean;
  /** Shared secret for checksums in both directions. */
  secret: string;
  /** Maximum number of sessions; 0 means unlimited. */
  sessionLimit: number;
  /** Per-backend publishing cap; 0 means the [mcu] default. */
  maxStreamBitrate: number;
  /** Per-backend screen sharing cap; 0 means the [mcu] default. */
  maxScreenBitrate: number;
}

/** `[backend]` and the per-backend sections. */
export interface BackendsConfig {
  /** Accept any backend URL, checked with the common secret (benchmarks and development only). */
  allowAll: boolean;
  /** Common secret (used by allowall and as fallback for backends without their own). */
  secret: string;
  /** Configured backends; with allowall this is empty. */
  backends: BackendConfig[];
  /**
   * With allowall: the settings applied to every backend URL (id `compat`, secret = {@link secret},
   * session limit and bitrates from the legacy `[backend] sessionlimit` / `maxstreambitrate` /
   * `maxscreenbitrate`). Absent otherwise.
   */
  allowAllBackend?: BackendConfig;
  /** Timeout of requests to the backend. */
  timeoutMs: number;
  /** Maximum concurrent connections per backend host. */
  connectionsPerHost: number;
  /** Skip TLS certificate verification of backend requests. */
  skipVerify: boolean;
  /**
   * Set with `[backend] backendtype = etcd`: the backends are the entries under `prefix`
   * (`[backend] backendprefix`) in etcd, added, changed and removed at run time; {@link backends}
   * is empty and allowall is off. Absent for static backends.
   */
  etcd?: { prefix: string };
}

/** A listener address from `listen = host:port` or `/path/to.sock`. */
export type ListenAddress =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string };

/** Everything the server needs from server.conf. */
export interface ServerConfig {
  http: { listen: ListenAddress[]; readTimeoutMs: number; writeTimeoutMs: number };
  https: {
    listen: ListenAddress[];
    readTimeoutMs: number;
    writeTimeoutMs: number;
    certificate: string;
    key: string;
  };
  app: {
    debug: boolean;
    allowSubscribeAny: boolean;
    /** CIDRs or IPs; undefined = upstream's default (loopback and private ranges). */
    trustedProxies: string[] | undefined;
  };
  sessions: { hashKey: string; blockKey: string };
  clients: { internalSecret: string };
  federation: { skipVerify: boolean; timeoutMs: number };
  backend: BackendsConfig;
  nats: {
    /** NATS URLs; empty = the embedded in-process bus (`nats://loopback`, `:loopback:` or unset). */
    urls: string[];
    /**
     * Interval of the cluster heartbeats (`[nats] heartbeat`, seconds; our extension): a server
     * silent for three intervals is given up and its sessions leave the rooms.
     */
    heartbeatMs: number;
  };
  mcu: {
    /** '' = no SFU (peer-to-peer calls). */
    type: '' | 'janus' | 'proxy';
    url: string;
    maxStreamBitrate: number;
    maxScreenBitrate: number;
    allowedCandidates: string[];
    blockedCandidates: string[];
    timeoutMs: number;
    /** The options of `type = proxy`. */
    proxy: ProxyMcuConfig;
  };
  /** `[geoip-overrides]` and `[continent-overrides]` (the GeoIP database itself is not read). */
  geoip: GeoIpConfig;
  turn: { apiKey: string; secret: string; servers: string[] };
  stats: { allowedIps: string[] };
  /** `[etcd]` (or its deprecated place in `[mcu]`): the cluster etcd-backed options read from. */
  etcd: EtcdConfig;
}

/** `[mcu]` options of `type = proxy` (signaling proxies in front of Janus). */
export interface ProxyMcuConfig {
  /** `proxytimeout`: how long a request to a proxy may take (upstream: 2 s). */
  timeoutMs: number;
  /** `urltype`: where the proxy URLs come from. */
  urlType: 'static' | 'etcd';
  /** `skipverify`: TLS certificates of `https`/`wss` proxies are not checked. */
  skipVerify: boolean;
  /** `token_id`: the id proxies know our public key by (`[tokens]` of proxy.conf). */
  tokenId: string;
  /** `token_key`: file with the RSA private key (PEM) the hello tokens are signed with. */
  tokenKey: string;
  /** `dnsdiscovery`: one connection per address a URL's host name resolves to, re-resolved. */
  dnsDiscovery: boolean;
  /** `keyprefix`: where `urltype = etcd` finds the proxies (`{"address": URL}` per key). */
  keyPrefix: string;
}

/** Static country information (`[geoip-overrides]`, `[continent-overrides]`). */
export interface GeoIpConfig {
  /** Addresses or subnets with their country code (upper case), in file order. */
  overrides: { subnet: string; country: string }[];
  /** Continent code -> continents whose proxies also count as near (`AF = EU`). */
  continentOverrides: Record<string, string[]>;
}

/** Result of loading a config file. */
export interface LoadedConfig {
  config: ServerConfig;
  /** Options present in the file that this server does not implement yet, reported once at startup. */
  unsupported: string[];
  /** Non-fatal problems (e.g. a hashkey of unusual length), reported at startup. */
  warnings: string[];
}

/** An invalid value in server.conf; the message names section, key and value. */
export class ConfigError extends Error {
  readonly section: string;
  readonly key: string;
  constructor(section: string, key: string, message: string, options?: ErrorOptions) {
    super(`[${section}] ${key}: ${message}`, options);
    this.name = 'ConfigError';
    this.section = section;
    this.key = key;
  }
}
