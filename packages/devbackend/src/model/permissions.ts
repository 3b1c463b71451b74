import type { Permission } from '@spreed-ts/protocol';
import { AttendeePermissions, ParticipantTypes } from './constants.js';
import type { Attendee, DevRoom } from './types.js';

/** Whether the attendee is owner, moderator or guest moderator (Talk `hasModeratorPermissions`). */
export function isModerator(attendee: Attendee): boolean {
  return (
    attendee.participantType === ParticipantTypes.owner ||
    attendee.participantType === ParticipantTypes.moderator ||
    attendee.participantType === ParticipantTypes.guestModerator
  );
}

/** Whether the attendee is a guest or guest moderator. */
export function isGuestType(attendee: Attendee): boolean {
  return (
    attendee.participantType === ParticipantTypes.guest ||
    attendee.participantType === ParticipantTypes.guestModerator
  );
}

/**
 * The effective permissions of an attendee, following Talk's fallback chain (attendee, then
 * conversation, then the instance default); moderators always get the full default set
 * (Talk `Participant::getPermissions`).
 */
export function effectivePermissions(
  room: DevRoom,
  attendee: Attendee,
  instanceDefault: number = AttendeePermissions.instanceDefault,
): number {
  if (isModerator(attendee)) {
    return AttendeePermissions.maxDefault;
  }
  if (attendee.permissions !== AttendeePermissions.default) {
    return attendee.permissions;
  }
  if (room.defaultPermissions !== AttendeePermissions.default) {
    return room.defaultPermissions;
  }
  return instanceDefault;
}

/**
 * The permission strings the signaling server gets in the `room` reply and in `participants`
 * changes: publish bits map to `publish-*`, moderators additionally get `control`.
 */
export function signalingPermissions(permissions: number, moderator: boolean): Permission[] {
  const out: Permission[] = [];
  if (permissions & AttendeePermissions.publishAudio) {
    out.push('publish-audio');
  }
  if (permissions & AttendeePermissions.publishVideo) {
    out.push('publish-video');
  }
  if (permissions & AttendeePermissions.publishScreen) {
    out.push('publish-screen');
  }
  if (moderator) {
    out.push('control');
  }
  return out;
}
