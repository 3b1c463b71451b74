import type { ActorType, LobbyState, ParticipantType, RoomType } from './constants.js';

/** A Nextcloud user account. */
export interface DevUser {
  /** The user id (Nextcloud uid). */
  readonly id: string;
  /** The display name shown to others. */
  displayName: string;
  /** Passwords accepted for HTTP Basic auth (app passwords and the login password alike). */
  readonly appPasswords: Set<string>;
  /** The per-user secret v1 signaling tickets are signed with (Talk creates it lazily, 255 chars). */
  ticketSecret: string | undefined;
}

/** A Talk conversation. */
export interface DevRoom {
  /** Numeric database id. */
  readonly id: number;
  /** The conversation token, also the signaling room id. */
  readonly token: string;
  type: RoomType;
  name: string;
  description: string;
  /** Empty for no password. */
  password: string;
  lobbyState: LobbyState;
  /** Lobby timer in seconds since the epoch, or null. */
  lobbyTimer: number | null;
  readOnly: 0 | 1;
  listable: 0 | 1 | 2;
  /** Conversation-level default permissions (0 = take the instance default). */
  defaultPermissions: number;
  sipEnabled: 0 | 1 | 2;
  /** When the current call started, or null when no call is active. */
  activeSince: Date | null;
  /** Union of the in-call flags of everybody who joined the current call. */
  callFlag: number;
  /** Last activity, seconds since the epoch. */
  lastActivity: number;
}

/** A participant of a conversation (Talk's attendee row). */
export interface Attendee {
  readonly id: number;
  readonly roomToken: string;
  readonly actorType: ActorType;
  /** The user id for users; `sha1(first session id)` for guests. */
  actorId: string;
  displayName: string;
  participantType: ParticipantType;
  /** Attendee-level permissions (0 = take them from the conversation). */
  permissions: number;
  lastReadMessage: number;
  /** Seconds since the epoch of the last call join, 0 if never. */
  lastJoinedCall: number;
}

/** A Talk session: one browser tab or client in one conversation. */
export interface TalkSession {
  /** Long random id; what clients pass as `sessionid` in the signaling `room` message. */
  readonly sessionId: string;
  readonly attendeeId: number;
  readonly roomToken: string;
  /** In-call flags (InCallFlags). */
  inCall: number;
  /** Last ping, seconds since the epoch. */
  lastPing: number;
  /** 0 inactive, 1 active. */
  state: 0 | 1;
}

/** A chat message as Talk's chat API returns it. */
export interface ChatMessage {
  readonly id: number;
  readonly token: string;
  readonly actorType: string;
  readonly actorId: string;
  actorDisplayName: string;
  /** Seconds since the epoch. */
  readonly timestamp: number;
  readonly message: string;
  readonly messageParameters: Record<string, unknown> | [];
  readonly systemMessage: string;
  readonly messageType: 'comment' | 'system' | 'command';
  readonly isReplyable: boolean;
  readonly referenceId: string;
  readonly reactions: Record<string, number> | [];
  readonly expirationTimestamp: number;
  readonly markdown: boolean;
  readonly threadId: number;
  readonly silent?: boolean;
  readonly parent?: ChatMessage;
}

/** Server-side PHP session state bound to one cookie. */
export interface PhpSession {
  /** The cookie value. */
  readonly id: string;
  /** The CSRF token shown as `data-requesttoken` and accepted in the `requesttoken` header. */
  readonly requestToken: string;
  /** The user logged in via this session (after Basic auth), if any. */
  userId: string | undefined;
  /** Talk session id per conversation token (Talk's `TalkSession::setSessionForRoom`). */
  readonly roomSessions: Map<string, string>;
  /** Passwords entered on the public page, per conversation token. */
  readonly roomPasswords: Map<string, string>;
}

/** Who performs an action: a logged-in user, or a guest identified by their PHP session. */
export type Actor = { kind: 'user'; userId: string } | { kind: 'guest' };

/** An attendee together with one of its sessions (Talk's `Participant`). */
export interface Participant {
  readonly room: DevRoom;
  readonly attendee: Attendee;
  readonly session: TalkSession | null;
}
