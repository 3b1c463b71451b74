export type { LoadedProxyConfig, ProxyConfig, TokenType } from './config.js';
export { loadProxyConfig } from './config.js';
export { ETCD_KEYS_STARTUP_WAIT_MS, EtcdProxyTokenKeys } from './etcd-token-keys.js';
export type { Load, LoadClient } from './load.js';
export { computeLoad, loadEvent } from './load.js';
export type { TokenKeysFactory } from './proxy-app.js';
export { defaultTokenKeys, ProxyApp } from './proxy-app.js';
export { MAX_MESSAGE_BYTES } from './proxy-connection.js';
export {
  ProxyServer,
  type ProxyServerOptions,
  proxyFeatures,
  REMOTE_STREAMS_FEATURE,
} from './proxy-server.js';
export { RemoteStreams } from './remote-streams.js';
export type { TokenRejection } from './token-auth.js';
export { verifyProxyToken } from './token-auth.js';
export type { TokenKeys } from './token-keys.js';
export { readPublicKey, StaticTokenKeys } from './token-keys.js';
