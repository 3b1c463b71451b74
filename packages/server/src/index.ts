export type { Backend } from './backend/backend-registry.js';
export { BackendRegistry } from './backend/backend-registry.js';
export type { Bus, BusInfo, BusMessage } from './bus/index.js';
export { createBus, InProcessBus, InProcessNetwork, NatsBus, Peers } from './bus/index.js';
export type { NatsClientEvents, NatsClientOptions } from './bus/nats/client.js';
export { NatsClient } from './bus/nats/client.js';
export { NatsClosedError, NatsProtocolError, NatsServerError } from './bus/nats/errors.js';
export type { NatsServerInfo } from './bus/nats/server-info.js';
export type { NatsMsgHandler, NatsSubscription } from './bus/nats/subscriptions.js';
export { createInbox } from './bus/nats/subscriptions.js';
export type { CommandLine } from './command-line.js';
export { parseCommandLine, usage } from './command-line.js';
// The building blocks the signaling proxy (`@spreed-ts/proxy`) shares with the server.
export type { IniFile, ListenAddress } from './config/index.js';
export {
  getRawValue,
  loadConfig,
  optionNames,
  parseIni,
  parseListenAddress,
} from './config/index.js';
export { OptionReader, splitEntries } from './config/option-reader.js';
export { MAX_CONFIG_BYTES, readConfigFile } from './config/read-config-file.js';
export type { BackendConfig, LoadedConfig, ServerConfig } from './config/server-config.js';
export { ConfigError } from './config/server-config.js';
export type { EtcdConfig } from './etcd/etcd-config.js';
export { ETCD_OPTIONS, etcdConfigured, readEtcdConfig } from './etcd/etcd-config.js';
export type { HubTimings, SessionMessageHandler } from './hub/hub.js';
export { DEFAULT_TIMINGS, Hub } from './hub/hub.js';
export type { ThrottleAction, ThrottleCheck } from './hub/throttle.js';
export { Throttler } from './hub/throttle.js';
export type { Logger, LogLevel } from './logger.js';
export { createLogger, silentLogger } from './logger.js';
export { EXPOSITION_CONTENT_TYPE } from './metrics/exposition.js';
export type { ClientTypeLabel } from './metrics/index.js';
export { MetricsRegistry, RoomMetrics, SignalingMetrics } from './metrics/index.js';
export { ProcessMetrics } from './metrics/process-metrics.js';
export type { Counter, Gauge } from './metrics/registry.js';
export type { ServerInfo, ServerInfoNats, TurnCredentials } from './ops/index.js';
export { OpsEndpoints, turnCredentials } from './ops/index.js';
export type { NotInSameCall, Rooms, RoomsTuning } from './rooms/index.js';
export { RoomManager, startRooms, whyNotInSameCall } from './rooms/index.js';
export type { SignalingServerOptions } from './server.js';
export { SignalingServer } from './server.js';
export type {
  JanusSfuOptions,
  McuData,
  PublisherSettings,
  Sfu,
  SfuClient,
  SfuFeature,
  SfuLimits,
  SfuTuning,
  StreamType,
} from './sfu/index.js';
export { attachSfu, JanusSfu, NoSfu, SfuClosedError, SfuTimeoutError } from './sfu/index.js';
export { RemoteStreamsUnsupportedError } from './sfu/janus/janus-sfu.js';
export {
  JanusPublisher,
  type RemoteTarget,
  VideoroomRequestError,
} from './sfu/janus/publisher.js';
export { JanusRemoteFeed } from './sfu/janus/remote-feed.js';
export { checkMcuData } from './sfu/mcu-data.js';
export {
  ProxyConnection as ProxyClientConnection,
  proxyApiUrl,
} from './sfu/proxy/proxy-connection.js';
export { ProxyTokenSigner } from './sfu/proxy/proxy-token.js';
export { type CandidateFilter, isCandidateFiltered } from './sfu/sdp.js';
export type { SfuPublisher, SfuSubscriber } from './sfu/sfu.js';
export { DEFAULT_TRUSTED_PROXIES, IpList, realClientIp } from './transport/real-ip.js';
export type { AcceptUpgradeOptions } from './transport/websocket/accept-upgrade.js';
export { acceptUpgrade } from './transport/websocket/accept-upgrade.js';
export { acceptResponse, checkUpgrade, rejectResponse } from './transport/websocket/handshake.js';
export { ServerSocket } from './transport/websocket/server-socket.js';
export { VERSION } from './version.js';
