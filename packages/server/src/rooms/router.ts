import type { ClientSession } from '../hub/client-session.js';
import { Delivery, type RoomEvent } from './events.js';
import { eventTime, type Participant } from './participant.js';
import type { ParticipantStore } from './participant-store.js';
import type { AnyMember, RemoteMember } from './remote-member.js';
import type { SessionControl } from './session-control.js';
import type { RoomMember, VirtualSession } from './virtual-session.js';

/** Lookup of virtual sessions by public id. */
export interface VirtualDirectory {
  get(publicId: string): VirtualSession | undefined;
}

/**
 * Addressing beyond rooms: sessions by public id and all sessions of a user on this server, and the
 * members of this server's rooms that are on other servers (for those, senders use the cluster:
 * see RoomsCluster).
 */
export class Router {
  readonly #sessions: SessionControl;
  readonly #participants: ParticipantStore;
  readonly #virtuals: VirtualDirectory;
  readonly #remote: ReadonlyMap<string, RemoteMember>;

  constructor(
    sessions: SessionControl,
    participants: ParticipantStore,
    virtuals: VirtualDirectory,
    remote: ReadonlyMap<string, RemoteMember> = new Map(),
  ) {
    this.#sessions = sessions;
    this.#participants = participants;
    this.#virtuals = virtuals;
    this.#remote = remote;
  }

  /** The participant of a live client session. */
  participant(session: ClientSession): Participant {
    return this.#participants.of(session);
  }

  /** A local member by public id: a client session's participant, or a virtual session. */
  member(publicId: string): RoomMember | undefined {
    const session = this.#sessions.session(publicId);
    if (session !== undefined) {
      return this.#participants.of(session);
    }
    return this.#virtuals.get(publicId);
  }

  /** A member of one of this server's rooms who is on another server. */
  remote(publicId: string): RemoteMember | undefined {
    return this.#remote.get(publicId);
  }

  /**
   * Like {@link member}, also finding members on other servers, for the same-call check (a local
   * session without room state is "no-room").
   */
  lookup(publicId: string): AnyMember | 'no-room' | undefined {
    const session = this.#sessions.session(publicId);
    if (session !== undefined) {
      const participant = this.#participants.get(publicId);
      return participant?.room === undefined ? 'no-room' : participant;
    }
    return this.#virtuals.get(publicId) ?? this.#remote.get(publicId);
  }

  /**
   * The connected-or-resumable sessions of `userIds` on backend `backendId` (by authenticated user
   * id, as upstream subscribes them), excluding `exceptPublicId`.
   */
  userSessions(
    backendId: string,
    userIds: ReadonlySet<string>,
    exceptPublicId?: string,
  ): Participant[] {
    if (userIds.size === 0) {
      return [];
    }
    const result: Participant[] = [];
    for (const userId of userIds) {
      for (const session of this.#sessions.sessionsOfUser(backendId, userId)) {
        if (session.publicId !== exceptPublicId && !session.closed) {
          result.push(this.#participants.of(session));
        }
      }
    }
    return result;
  }

  /** Delivers `event` to each receiver (serialised once per variant). */
  deliver(receivers: Iterable<Participant>, event: RoomEvent): void {
    if (event.kind === 'text' && !event.nickChanged) {
      // Relayed text has one variant for everybody and no join-time rule: no Delivery needed.
      for (const receiver of receivers) {
        receiver.sendText(event.text);
      }
      return;
    }
    const delivery = new Delivery(event, eventTime());
    for (const receiver of receivers) {
      delivery.sendTo(receiver);
    }
  }
}
