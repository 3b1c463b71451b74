export type { SignalingFixture, StartSignalingOptions } from './signaling.js';
export { serverConf, startSignaling } from './signaling.js';
export type { Frame, TestClientOptions } from './test-client.js';
export { TestClient } from './test-client.js';
