import type { MemberState } from '../bus/messages.js';
import { RemoteMember } from './remote-member.js';
import type { Room } from './room.js';

/**
 * The members one room has on other servers, with their call state, kept in step with an index of
 * such members across all rooms (for routing messages to their servers). Bookkeeping only: the
 * room decides what its local members are told.
 */
export class RemoteMembers {
  readonly #byId = new Map<string, RemoteMember>();
  readonly #inCall = new Set<RemoteMember>();
  readonly #index: Map<string, RemoteMember>;

  constructor(index: Map<string, RemoteMember>) {
    this.#index = index;
  }

  get size(): number {
    return this.#byId.size;
  }

  /** By public id. */
  get map(): ReadonlyMap<string, RemoteMember> {
    return this.#byId;
  }

  get(publicId: string): RemoteMember | undefined {
    return this.#byId.get(publicId);
  }

  values(): IterableIterator<RemoteMember> {
    return this.#byId.values();
  }

  /** The members of one server. */
  ofServer(serverId: string): RemoteMember[] {
    return [...this.#byId.values()].filter((m) => m.serverId === serverId);
  }

  /** Adds a member (the caller made sure none with that id exists). */
  add(room: Room, serverId: string, state: MemberState): RemoteMember {
    const member = new RemoteMember(serverId, room, state);
    this.#byId.set(member.publicId, member);
    this.#index.set(member.publicId, member);
    if (state.call) {
      this.#inCall.add(member);
    }
    return member;
  }

  delete(member: RemoteMember): void {
    if (this.#byId.get(member.publicId) !== member) {
      return;
    }
    this.#byId.delete(member.publicId);
    this.#inCall.delete(member);
    if (this.#index.get(member.publicId) === member) {
      this.#index.delete(member.publicId);
    }
  }

  clear(): void {
    for (const member of [...this.#byId.values()]) {
      this.delete(member);
    }
  }

  isInCall(member: RemoteMember): boolean {
    return this.#inCall.has(member);
  }

  setCall(member: RemoteMember, inCall: boolean): void {
    if (inCall) {
      this.#inCall.add(member);
    } else {
      this.#inCall.delete(member);
    }
    if (member.state.call !== inCall) {
      member.state = { ...member.state, call: inCall };
    }
  }

  /** Applies a change report; returns what changed. */
  update(
    member: RemoteMember,
    inCall: number,
    flags: number,
    call: boolean,
  ): { flagsChanged: boolean; inCallChanged: boolean } {
    const flagsChanged = member.flags !== flags;
    const inCallChanged = member.inCall !== inCall;
    member.state = { ...member.state, incall: inCall, flags };
    this.setCall(member, call);
    return { flagsChanged, inCallChanged };
  }

  /** Public ids by Talk session id. */
  roomSessions(): Map<string, string> {
    const result = new Map<string, string>();
    for (const member of this.#byId.values()) {
      if (member.roomSessionId !== '') {
        result.set(member.roomSessionId, member.publicId);
      }
    }
    return result;
  }
}
