import type { AddSessionOptions } from '@spreed-ts/protocol';
import type { Participant } from './participant.js';
import type { Room } from './room.js';

/** What an internal client said about a virtual session in `addsession`. */
export interface VirtualSessionInit {
  publicId: string;
  owner: Participant;
  /** The id the internal client chose (its handle for update/remove). */
  clientSessionId: string;
  userId: string;
  user: unknown;
  inCall: number;
  flags: number;
  options: AddSessionOptions | undefined;
}

/**
 * A participant an internal client (e.g. the SIP bridge) added to a room on behalf of someone
 * without a connection of their own, like a phone caller. It has every permission, receives nothing
 * itself: messages addressed to it go to its owner.
 */
export class VirtualSession {
  readonly kind = 'virtual';
  readonly publicId: string;
  readonly owner: Participant;
  readonly clientSessionId: string;
  readonly userId: string;
  readonly user: unknown;
  readonly options: AddSessionOptions | undefined;
  inCall: number;
  flags: number;
  room: Room | undefined;
  closed = false;

  constructor(init: VirtualSessionInit) {
    this.publicId = init.publicId;
    this.owner = init.owner;
    this.clientSessionId = init.clientSessionId;
    this.userId = init.userId;
    this.user = init.user;
    this.options = init.options;
    this.inCall = Math.max(0, init.inCall);
    this.flags = init.flags;
  }

  /** Whether the Talk side knows this session as a room participant (actor options given). */
  get hasActor(): boolean {
    return (this.options?.actorId ?? '') !== '' && (this.options?.actorType ?? '') !== '';
  }

  /** Sets in-call flags (negative counts as 0); returns whether they changed. */
  setInCall(inCall: number): boolean {
    const value = Math.max(0, inCall);
    if (value === this.inCall) {
      return false;
    }
    this.inCall = value;
    return true;
  }

  /** Sets the flags; returns whether they changed. */
  setFlags(flags: number): boolean {
    if (flags === this.flags) {
      return false;
    }
    this.flags = flags;
    return true;
  }
}

/** Anything that can be a member of a room. */
export type RoomMember = Participant | VirtualSession;
