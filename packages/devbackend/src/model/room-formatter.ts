import { AttendeePermissions, LobbyStates, RoomTypes } from './constants.js';
import { effectivePermissions, isModerator } from './permissions.js';
import type { Attendee, ChatMessage, DevRoom, TalkSession } from './types.js';

/** What the formatter needs to know about the caller. */
export interface FormatRoomInput {
  room: DevRoom;
  /** The caller's attendee, if they are one. */
  attendee: Attendee | undefined;
  /** The caller's session in this room, if any. */
  session: TalkSession | null;
  lastMessage: ChatMessage | undefined;
  instanceDefaultPermissions: number;
}

/**
 * The conversation object of the OCS room API (a subset of Talk's `RoomFormatter::formatRoomV4`
 * with the fields a client needs: identity, call state, permissions, lobby and read-only state).
 */
export function formatRoom(input: FormatRoomInput): Record<string, unknown> {
  const { room, attendee, session } = input;
  const permissions =
    attendee === undefined
      ? 0
      : effectivePermissions(room, attendee, input.instanceDefaultPermissions);
  const moderator = attendee !== undefined && isModerator(attendee);
  const canStartCall =
    attendee !== undefined && (permissions & AttendeePermissions.startCall) !== 0;
  return {
    id: room.id,
    token: room.token,
    type: room.type,
    name: room.name,
    displayName: room.name,
    description: room.description,
    objectType: '',
    objectId: '',
    participantType: attendee?.participantType ?? 0,
    attendeeId: attendee?.id ?? 0,
    attendeePin: '',
    actorType: attendee?.actorType ?? '',
    actorId: attendee?.actorId ?? '',
    permissions,
    attendeePermissions: attendee?.permissions ?? AttendeePermissions.default,
    callPermissions: AttendeePermissions.default,
    defaultPermissions: room.defaultPermissions,
    participantFlags: session?.inCall ?? 0,
    readOnly: room.readOnly,
    listable: room.listable,
    messageExpiration: 0,
    lastPing: session?.lastPing ?? 0,
    sessionId: session?.sessionId ?? '0',
    hasPassword: room.password !== '',
    hasCall: room.activeSince !== null,
    callFlag: room.callFlag,
    canStartCall,
    canDeleteConversation: moderator && room.type !== RoomTypes.oneToOne,
    canLeaveConversation: attendee !== undefined,
    lastActivity: room.lastActivity,
    isFavorite: false,
    notificationLevel: room.type === RoomTypes.oneToOne ? 1 : 2,
    notificationCalls: 1,
    lobbyState: room.lobbyState,
    lobbyTimer: room.lobbyTimer ?? 0,
    sipEnabled: room.sipEnabled,
    canEnableSIP: false,
    unreadMessages: 0,
    unreadMention: false,
    unreadMentionDirect: false,
    lastReadMessage: attendee?.lastReadMessage ?? 0,
    lastCommonReadMessage: 0,
    lastMessage: input.lastMessage ?? [],
    callStartTime: room.activeSince === null ? 0 : Math.floor(room.activeSince.getTime() / 1000),
    callRecording: 0,
    recordingConsent: 0,
    mentionPermissions: 0,
    breakoutRoomMode: 0,
    breakoutRoomStatus: 0,
    avatarVersion: '',
    isCustomAvatar: false,
    isArchived: false,
    isImportant: false,
    isSensitive: false,
  };
}

/** Whether the lobby blocks this attendee (Talk's lobby middleware: non-moderators without ignore-lobby). */
export function blockedByLobby(
  room: DevRoom,
  attendee: Attendee | undefined,
  instanceDefaultPermissions: number,
): boolean {
  if (room.lobbyState !== LobbyStates.nonModerators) {
    return false;
  }
  if (attendee === undefined) {
    return true;
  }
  if (isModerator(attendee)) {
    return false;
  }
  return (
    (effectivePermissions(room, attendee, instanceDefaultPermissions) &
      AttendeePermissions.ignoreLobby) ===
    0
  );
}
