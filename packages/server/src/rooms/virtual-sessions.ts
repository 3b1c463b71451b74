import {
  type AddSessionRequest,
  ClientFeatures,
  ErrorCodes,
  InCallFlags,
  isObject,
  type RemoveSessionRequest,
  type UpdateSessionRequest,
} from '@spreed-ts/protocol';
import type { BackendClient } from '../backend/backend-client.js';
import type { Logger } from '../logger.js';
import { sendError } from './errors.js';
import type { Participant } from './participant.js';
import type { Room } from './room.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomSessionMap } from './room-session-map.js';
import type { VirtualDirectory } from './router.js';
import { parseTalkError, roomRequest, sessionRequest } from './talk-requests.js';
import { VirtualSession } from './virtual-session.js';

/** What the virtual session manager needs. */
export interface VirtualSessionsOptions {
  registry: RoomRegistry;
  roomSessions: RoomSessionMap;
  backendClient: Pick<BackendClient, 'signalingRequest'>;
  /** A fresh public session id (same generator as for real sessions). */
  newPublicId: () => string;
  logger: Logger;
}

/** Where to report a failed backend removal: the removesession request. */
interface Feedback {
  owner: Participant;
  id: string | undefined;
}

/**
 * Virtual sessions of internal clients (`addsession` / `updatesession` / `removesession`,
 * upstream's VirtualSession): participants without a connection, announced to Talk and the room,
 * closed with their owner.
 */
export class VirtualSessions implements VirtualDirectory {
  readonly #o: VirtualSessionsOptions;
  readonly #byPublicId = new Map<string, VirtualSession>();

  constructor(options: VirtualSessionsOptions) {
    this.#o = options;
  }

  /** A virtual session by public id. */
  get(publicId: string): VirtualSession | undefined {
    return this.#byPublicId.get(publicId);
  }

  /** Number of live virtual sessions. */
  get size(): number {
    return this.#byPublicId.size;
  }

  /** `addsession`: creates the session, tells Talk, then adds it to the room. */
  async add(owner: Participant, id: string | undefined, request: AddSessionRequest): Promise<void> {
    const backend = owner.session.backend;
    const room = this.#o.registry.get(backend.id, request.roomid);
    if (room === undefined) {
      this.#o.logger.debug('addsession for a room not on this server ignored', {
        room: request.roomid,
      });
      return;
    }
    const defaultInCall = owner.session.features.has(ClientFeatures.internalInCall)
      ? 0
      : InCallFlags.inCall | InCallFlags.withPhone;
    const session = new VirtualSession({
      publicId: this.#o.newPublicId(),
      owner,
      clientSessionId: request.sessionid,
      userId: request.userid ?? '',
      user: request.user,
      inCall: request.incall ?? defaultInCall,
      flags: request.flags ?? 0,
      options: request.options,
    });
    const failure = await this.#announce(owner, room, session);
    if (failure !== undefined) {
      sendError(owner, id, ErrorCodes.addFailed, failure);
      return;
    }
    if (owner.session.closed || room.closed) {
      return;
    }
    this.#byPublicId.set(session.publicId, session);
    owner.virtuals.set(request.sessionid, session);
    // Talk refers to virtual sessions by their public id.
    this.#o.roomSessions.set(session.publicId, session.publicId);
    session.room = room;
    room.add(session, undefined);
  }

  /** Tells Talk about a new virtual session; returns the error message on failure. */
  async #announce(
    owner: Participant,
    room: Room,
    session: VirtualSession,
  ): Promise<string | undefined> {
    const { backend, backendUrl } = owner.session;
    if (session.hasActor) {
      let data: unknown;
      try {
        data = await this.#o.backendClient.signalingRequest(
          backend,
          backendUrl,
          roomRequest({
            roomid: room.id,
            userid: session.userId,
            sessionid: session.publicId,
            actorid: session.options?.actorId ?? '',
            actortype: session.options?.actorType ?? '',
            incall: session.inCall,
          }),
        );
      } catch (err) {
        this.#o.logger.warn('could not join virtual session', { error: (err as Error).message });
        return 'Could not join virtual session.';
      }
      if (isObject(data) && data.type === 'error') {
        return parseTalkError(data.error)?.message ?? 'Could not join virtual session.';
      }
      return undefined;
    }
    try {
      await this.#o.backendClient.signalingRequest(
        backend,
        backendUrl,
        sessionRequest({
          roomid: room.id,
          action: 'add',
          sessionid: session.publicId,
          userid: session.userId,
          user: session.user,
        }),
      );
    } catch (err) {
      this.#o.logger.warn('could not add virtual session', { error: (err as Error).message });
      return 'Could not add virtual session.';
    }
    return undefined;
  }

  /** `updatesession`: new flags and/or in-call state. */
  update(owner: Participant, request: UpdateSessionRequest): void {
    const room = this.#o.registry.get(owner.session.backend.id, request.roomid);
    const session = owner.virtuals.get(request.sessionid);
    if (room === undefined || session === undefined) {
      return;
    }
    const flagsChanged = request.flags !== undefined && session.setFlags(request.flags);
    const inCallChanged = request.incall !== undefined && session.setInCall(request.incall);
    if (flagsChanged || inCallChanged) {
      room.memberChanged(session, flagsChanged, inCallChanged);
    }
  }

  /** `removesession`: closes the session; Talk is told in the background. */
  remove(owner: Participant, id: string | undefined, request: RemoveSessionRequest): void {
    const room = this.#o.registry.get(owner.session.backend.id, request.roomid);
    const session = owner.virtuals.get(request.sessionid);
    if (room === undefined || session === undefined) {
      return;
    }
    owner.virtuals.delete(request.sessionid);
    this.#close(session, { owner, id });
  }

  /** Closes every virtual session of an internal client that went away. */
  closeAllOf(owner: Participant): void {
    owner.virtuals.clear();
    for (const session of [...this.#byPublicId.values()]) {
      if (session.owner === owner) {
        this.#close(session, undefined);
      }
    }
  }

  /** Takes a virtual session out of a room that was deleted (it stays alive). */
  detach(session: VirtualSession): void {
    this.#o.roomSessions.delete(session.publicId);
    session.room = undefined;
  }

  #close(session: VirtualSession, feedback: Feedback | undefined): void {
    if (session.closed) {
      return;
    }
    session.closed = true;
    this.#byPublicId.delete(session.publicId);
    const room = session.room;
    this.detach(session);
    if (room !== undefined) {
      room.remove(session);
      void this.#notifyRemoved(session, room, feedback);
    }
  }

  async #notifyRemoved(
    session: VirtualSession,
    room: Room,
    feedback: Feedback | undefined,
  ): Promise<void> {
    const { backend, backendUrl } = session.owner.session;
    const report = (message: string) => {
      if (feedback !== undefined && !feedback.owner.session.closed) {
        sendError(feedback.owner, feedback.id, ErrorCodes.removeFailed, message);
      }
    };
    const failed = 'Could not remove virtual session from backend.';
    if (session.hasActor) {
      let data: unknown;
      try {
        data = await this.#o.backendClient.signalingRequest(
          backend,
          backendUrl,
          roomRequest({
            roomid: room.id,
            action: 'leave',
            userid: session.userId,
            sessionid: session.publicId,
            actorid: session.options?.actorId ?? '',
            actortype: session.options?.actorType ?? '',
          }),
        );
      } catch (err) {
        this.#o.logger.warn('could not leave virtual session', { error: (err as Error).message });
        report(failed);
        return;
      }
      if (isObject(data) && data.type === 'error') {
        const error = parseTalkError(data.error);
        // The room being gone at Talk is what removing wanted anyway.
        if (error?.code !== 'no_such_room') {
          report(error?.message ?? failed);
        }
      }
      return;
    }
    try {
      await this.#o.backendClient.signalingRequest(
        backend,
        backendUrl,
        sessionRequest({
          roomid: room.id,
          action: 'remove',
          sessionid: session.publicId,
          userid: session.userId,
          user: session.user,
        }),
      );
    } catch (err) {
      this.#o.logger.warn('could not remove virtual session', { error: (err as Error).message });
      report(failed);
    }
  }
}
