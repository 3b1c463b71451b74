export {
  calculateChecksum,
  fillRandom,
  HEADER_BACKEND,
  HEADER_CHECKSUM,
  HEADER_FEATURES,
  HEADER_RANDOM,
  internalClientToken,
  randomHex,
  signedHeaders,
  validateChecksum,
} from './checksum.js';
export type {
  AddSessionOptions,
  AddSessionRequest,
  ClientMessage,
  ClientMessageType,
  ClientType,
  DialoutMessage,
  DialoutStatus,
  HelloAuth,
  HelloNew,
  HelloRequest,
  HelloResume,
  InternalRequest,
  JsonObject,
  MessageRequest,
  Recipient,
  RemoveSessionRequest,
  RoomFederation,
  RoomRequest,
  TransientRequest,
  UpdateSessionRequest,
} from './client-messages.js';
export type { ErrorCode, WireError } from './errors.js';
export {
  ErrorCodes,
  MAX_QUOTED_CHARS,
  ProtocolError,
  quoteValue,
  SignalingError,
} from './errors.js';
export type { Permission, ServerFeature } from './features.js';
export {
  ClientFeatures,
  InCallFlags,
  Permissions,
  ServerFeatures,
  SessionFlags,
  TALK_REQUIRED_FEATURES,
} from './features.js';
export {
  exceedsJsonDepth,
  JsonDepthError,
  MAX_JSON_DEPTH,
  MAX_PEER_JSON_DEPTH,
  parseJsonBounded,
} from './json-depth.js';
export { isObject } from './json-guards.js';
export type {
  HelloV2Claims,
  JwtAlgorithm,
  JwtFailure,
  JwtResult,
  VerifyJwtOptions,
} from './jwt.js';
export { parsePublicKey, signJwt, verifyJwt } from './jwt.js';
export {
  decodeClientFrame,
  InvalidHelloVersionError,
  parseClientMessage,
} from './parse-client-message.js';
export {
  decodeProxyClientFrame,
  decodeProxyServerFrame,
  parseProxyClientMessage,
  parseProxyServerMessage,
  UnsupportedProxyMessageError,
} from './parse-proxy-message.js';
export type {
  ProxyClientMessage,
  ProxyCommandRequest,
  ProxyCommandResponse,
  ProxyCommandType,
  ProxyEvent,
  ProxyEventBandwidth,
  ProxyEventType,
  ProxyHelloRequest,
  ProxyHelloResponse,
  ProxyPayloadRequest,
  ProxyPayloadResponse,
  ProxyPayloadType,
  ProxyPublisherSettings,
  ProxyPublisherStream,
  ProxyServerMessage,
  ProxyStreamType,
  ProxyTokenClaims,
} from './proxy-messages.js';
export { ProxyErrors } from './proxy-messages.js';
export { rawMemberText } from './raw-json.js';
export type {
  EventBody,
  EventSessionEntry,
  HelloResponse,
  InternalServerBody,
  MessageSender,
  RelayedMessage,
  RoomBandwidth,
  RoomEventBody,
  RoomResponse,
  ServerMessage,
  TransientBody,
  WelcomeBody,
} from './server-messages.js';
export { canonicalBackendUrl } from './urls.js';
