import type { DevRoom } from './types.js';

/** How PHP's `json_encode` serialises a `DateTime` (Talk sends `active-since` like this). */
export interface PhpDateTime {
  date: string;
  timezone_type: 3;
  timezone: 'UTC';
}

/** A date as PHP would put it into JSON. */
export function phpDateTime(date: Date): PhpDateTime {
  const iso = date.toISOString(); // 2024-05-01T12:00:00.000Z
  return {
    date: `${iso.slice(0, 10)} ${iso.slice(11, 19)}.000000`,
    timezone_type: 3,
    timezone: 'UTC',
  };
}

/**
 * The room properties Talk hands to the signaling server (Talk
 * `RoomPropertiesHelper::getPropertiesForSignaling`): `description` when the room was modified,
 * otherwise `participant-list: "refresh"` (invite/disinvite).
 */
export function signalingRoomProperties(
  room: DevRoom,
  roomModified: boolean,
): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    name: room.name,
    type: room.type,
    'lobby-state': room.lobbyState,
    'lobby-timer': room.lobbyTimer === null ? null : phpDateTime(new Date(room.lobbyTimer * 1000)),
    'read-only': room.readOnly,
    listable: room.listable,
    'active-since': room.activeSince === null ? null : phpDateTime(room.activeSince),
    'sip-enabled': room.sipEnabled,
  };
  if (roomModified) {
    properties.description = room.description;
  } else {
    properties['participant-list'] = 'refresh';
  }
  return properties;
}
