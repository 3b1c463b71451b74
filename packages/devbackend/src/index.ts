export type { TalkJwtAlgorithm } from './auth/token-signer.js';
export { DevBackend } from './dev-backend.js';
export type {
  AttendeeRef,
  DevBackendEvents,
  DevBackendOptions,
  HelloV2TokenOverrides,
  JoinedSession,
  MessageAuthor,
  RoomChanges,
} from './dev-backend-types.js';
export type { OcsEnvelope, OcsMeta } from './http/ocs.js';
export type { ActorType, LobbyState, ParticipantType, RoomType } from './model/constants.js';
export {
  AttendeePermissions,
  LobbyStates,
  ParticipantTypes,
  RoomTypes,
} from './model/constants.js';
export type { ModelErrorCode } from './model/model-error.js';
export { ModelError } from './model/model-error.js';
export type { CreateRoomOptions } from './model/talk-model.js';
export type { Attendee, ChatMessage, DevRoom, DevUser, TalkSession } from './model/types.js';
export type { AddUserOptions } from './model/user-directory.js';
export type { RecordedBackendRequest, TurnServerConfig } from './routes/route-deps.js';
export type { BackendFault, FaultOptions } from './signaling/fault-injector.js';
export type {
  BackendNotification,
  BackendNotificationType,
  NotifiedParticipant,
} from './signaling/notification-types.js';
export type { NotifierErrorKind, RecordedNotification } from './signaling/notifier.js';
export { NotifierError } from './signaling/notifier.js';
export { RecorderTimeoutError } from './signaling/recorder.js';
export { NETNS_ADDRESS, netnsUnavailable, spawnInNetns } from './stack/netns.js';
export type { DevStack, DevStackOptions } from './stack/start-dev-stack.js';
export { banner, repoRoot, startDevStack } from './stack/start-dev-stack.js';
