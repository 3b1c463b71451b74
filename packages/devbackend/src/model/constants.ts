/**
 * Talk's numeric constants (Talk `docs/constants.md`), as `as const` objects.
 */

/** Conversation types. */
export const RoomTypes = {
  oneToOne: 1,
  group: 2,
  public: 3,
} as const;

/** One conversation type. */
export type RoomType = (typeof RoomTypes)[keyof typeof RoomTypes];

/** Participant types of an attendee. */
export const ParticipantTypes = {
  owner: 1,
  moderator: 2,
  user: 3,
  guest: 4,
  userSelfJoined: 5,
  guestModerator: 6,
} as const;

/** One participant type. */
export type ParticipantType = (typeof ParticipantTypes)[keyof typeof ParticipantTypes];

/** Attendee permission bits. */
export const AttendeePermissions = {
  /** Take the permissions from the next level (call, conversation, instance). */
  default: 0,
  /** Set to make an otherwise empty custom set possible. */
  custom: 1,
  startCall: 2,
  joinCall: 4,
  ignoreLobby: 8,
  publishAudio: 16,
  publishVideo: 32,
  publishScreen: 64,
  chat: 128,
  /** Everything except `custom`: what moderators get. */
  maxDefault: 254,
  /** Talk's instance default when the admin configured none: everything but ignoring the lobby. */
  instanceDefault: 246,
  /** Everything including `custom`. */
  maxCustom: 255,
} as const;

/** Lobby states of a conversation. */
export const LobbyStates = {
  none: 0,
  nonModerators: 1,
} as const;

/** One lobby state. */
export type LobbyState = (typeof LobbyStates)[keyof typeof LobbyStates];

/** Attendee actor types. */
export type ActorType = 'users' | 'guests' | 'emails' | 'federated_users' | 'phones' | 'groups';

/**
 * The sessions Talk drops when no ping arrived for this long (Talk `Session::SESSION_TIMEOUT_KILL`).
 */
export const SESSION_TIMEOUT_KILL_SECONDS = 100;

/** Maximum chat message length (Talk `ChatManager::MAX_CHAT_LENGTH`). */
export const MAX_CHAT_LENGTH = 32000;
