export type { EtcdRestartOptions, EtcdServer, EtcdTls, StartEtcdOptions } from './etcd.js';
export { etcdInstalled, startEtcd } from './etcd.js';
export type { JanusFixture, StartJanusOptions } from './janus.js';
export {
  freePort,
  JANUS_TEMPLATES,
  janusInstalled,
  janusLibDir,
  renderJanusConfig,
  startJanus,
} from './janus.js';
export type { NatsServer, StartNatsOptions } from './nats.js';
export { startNats } from './nats.js';
export type { RunInTestNetnsOptions } from './netns.js';
export {
  insideTestNetns,
  NETNS_ENV,
  NETNS_ICE_ADDRESS,
  netnsUnavailable,
  runInTestNetns,
} from './netns.js';
export type { NetnsResult } from './netns-reporter.js';
export { Prng } from './prng.js';
export type { CollectedProcess } from './process.js';
export { spawnCollecting } from './process.js';
export type { SignalingFixture, StartSignalingOptions } from './signaling.js';
export { serverConf, startSignaling } from './signaling.js';
export type { Frame, TestClientOptions } from './test-client.js';
export { TestClient, welcomeFeatures } from './test-client.js';
export { eventually, waitUntil } from './wait.js';
