import type { RoomOp } from '../bus/messages.js';
import type { Room } from './room.js';

/**
 * How a room reaches the same room on the other servers of a cluster. Rooms report their changes
 * here; without other servers `active` is false and nothing is built or sent.
 */
export interface RoomLink {
  /** Whether other servers exist to tell. */
  readonly active: boolean;
  /** A room was created here (the link may set {@link Room.pending} while it fetches state). */
  created(room: Room): void;
  /** A room closed here. */
  closed(room: Room): void;
  /** A change to pass on (call only while {@link active}). */
  send(room: Room, op: RoomOp): void;
}
