// The etcd layer (`@spreed-ts/server/etcd`): loaded only where etcd is configured, since the
// etcd3 package and gRPC are large.

export type { EtcdBackendsOptions } from './etcd-backends.js';
export { EtcdBackends, parseBackendEntry } from './etcd-backends.js';
export type {
  EtcdClientOptions,
  EtcdKeyValue,
  EtcdRange,
  EtcdServerInfo,
  EtcdWatch,
  EtcdWatchEvent,
  EtcdWatchHandlers,
} from './etcd-client.js';
export { EtcdClient, prefixRangeEnd } from './etcd-client.js';
export type { EtcdConfig, OptionGetter } from './etcd-config.js';
export { ETCD_OPTIONS, endpointUrl, etcdConfigured, readEtcdConfig } from './etcd-config.js';
export type { EtcdProxyUrlsOptions, ProxyUrlEvents, ProxyUrlSource } from './etcd-proxy-urls.js';
export { DEFAULT_PROXY_KEY_PREFIX, EtcdProxyUrls, parseProxyEntry } from './etcd-proxy-urls.js';
export type { EtcdTokenKeysOptions, TokenKeys } from './etcd-token-keys.js';
export {
  DEFAULT_TOKEN_KEY_FORMAT,
  EtcdTokenKeys,
  parseKeyFormats,
  parseRsaPublicKey,
} from './etcd-token-keys.js';
export type { PrefixWatcherEvents, PrefixWatcherOptions, RetryDelays } from './prefix-watcher.js';
export { DEFAULT_MAX_KEYS, DEFAULT_MAX_VALUE_BYTES, PrefixWatcher } from './prefix-watcher.js';
export type { SrvResolver } from './srv-discovery.js';
export { discoverEtcdEndpoints } from './srv-discovery.js';
