import type { MemberRole, MemberState } from '../bus/messages.js';
import { joinEntry } from './participant-entries.js';
import type { Room } from './room.js';
import type { RoomMember } from './virtual-session.js';

/**
 * A member of a room who is on another server of the cluster, as that server described it. Its
 * server is the authority: this copy changes only through that server's room ops, and disappears
 * with the server.
 */
export class RemoteMember {
  readonly kind = 'remote';
  readonly publicId: string;
  readonly serverId: string;
  readonly room: Room;
  #state: MemberState;

  constructor(serverId: string, room: Room, state: MemberState) {
    this.serverId = serverId;
    this.room = room;
    this.publicId = state.sessionid;
    this.#state = state;
  }

  get state(): MemberState {
    return this.#state;
  }

  set state(state: MemberState) {
    this.#state = state;
  }

  get role(): MemberRole {
    return this.#state.role;
  }

  get isInternal(): boolean {
    return this.#state.role === 'internal';
  }

  get isVirtual(): boolean {
    return this.#state.role === 'virtual';
  }

  get isFederated(): boolean {
    return this.#state.role === 'federated';
  }

  /** Talk session id ('' when none). */
  get roomSessionId(): string {
    return this.#state.roomsession ?? '';
  }

  get inCall(): number {
    return this.#state.incall;
  }

  get flags(): number {
    return this.#state.flags;
  }
}

/** A member of a room, here or on another server. */
export type AnyMember = RoomMember | RemoteMember;

/** How the other servers learn about a member of a room here. */
export function memberState(member: RoomMember, room: Room): MemberState {
  const userdata = room.sessionData(member.publicId);
  if (member.kind === 'virtual') {
    return {
      sessionid: member.publicId,
      role: 'virtual',
      entry: joinEntry(member, undefined),
      // Talk refers to virtual sessions by their public id.
      roomsession: member.publicId,
      incall: member.inCall,
      call: room.isInCall(member),
      flags: member.flags,
      features: [],
    };
  }
  const state: MemberState = {
    sessionid: member.publicId,
    role: member.isInternal ? 'internal' : member.isFederated ? 'federated' : 'client',
    entry: joinEntry(member, userdata),
    incall: member.inCall,
    call: room.isInCall(member),
    flags: 0,
    features: [...member.session.featureList],
  };
  if (member.roomSessionId !== '') {
    state.roomsession = member.roomSessionId;
  }
  if (userdata !== undefined) {
    state.userdata = userdata;
  }
  return state;
}
