import {
  ErrorCodes,
  type RoomBandwidth,
  type RoomRequest,
  type ServerMessage,
} from '@spreed-ts/protocol';
import type { BackendClient } from '../backend/backend-client.js';
import type { Backend } from '../backend/backend-registry.js';
import type { Logger } from '../logger.js';
import { sendError, sendWrapped } from './errors.js';
import { roomBody, roomFrame } from './events.js';
import { eventTime, type Participant } from './participant.js';
import type { ParticipantStore } from './participant-store.js';
import type { Room } from './room.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomSessionMap } from './room-session-map.js';
import type { SessionControl } from './session-control.js';
import {
  federationActor,
  parseRoomJoinResponse,
  type RoomJoinResponse,
  roomRequest,
} from './talk-requests.js';

/** Talk session ids of federated sessions carry this prefix and are never reported to Talk. */
export const FEDERATED_ROOM_SESSION_PREFIX = 'federated|';

/** Bitrate limits of an SFU, 0 = none (no SFU configured). */
export interface SfuLimits {
  maxStreamBitrate: number;
  maxScreenBitrate: number;
}

/** What joining and leaving rooms needs. */
export interface MembershipOptions {
  sessions: SessionControl;
  backendClient: Pick<BackendClient, 'signalingRequest'>;
  registry: RoomRegistry;
  roomSessions: RoomSessionMap;
  participants: ParticipantStore;
  logger: Logger;
  /** The SFU's limits; absent without an SFU. */
  sfuLimits?: () => SfuLimits;
  /** Tells the other servers of a cluster that a Talk session was taken over. */
  cluster?: MembershipCluster;
}

/** What joining needs from the other servers of a cluster. */
export interface MembershipCluster {
  /** Whether other servers exist. */
  readonly active: boolean;
  /** Sessions elsewhere holding `roomSessionId` (except `exceptPublicId`) must go away. */
  kickRoomSession(roomSessionId: string, exceptPublicId: string): void;
}

/** The lower of two limits where 0 means "none" (upstream's rule for room bandwidth). */
function combine(sfu: number, backend: number): number {
  if (sfu !== 0 && backend !== 0) {
    return Math.min(sfu, backend);
  }
  return sfu !== 0 ? sfu : backend;
}

/** `bandwidth` of a room response; undefined when neither limit is set. */
export function roomBandwidth(backend: Backend, sfu?: SfuLimits): RoomBandwidth | undefined {
  const maxstreambitrate = combine(sfu?.maxStreamBitrate ?? 0, backend.maxStreamBitrate);
  const maxscreenbitrate = combine(sfu?.maxScreenBitrate ?? 0, backend.maxScreenBitrate);
  return maxstreambitrate !== 0 || maxscreenbitrate !== 0
    ? { maxstreambitrate, maxscreenbitrate }
    : undefined;
}

/**
 * Joining and leaving rooms (upstream's processRoom / processJoinRoom / LeaveRoom): asks Talk
 * whether the session may join, keeps one room per session and one connection per Talk session,
 * and tells Talk when a session leaves.
 */
export class Membership {
  readonly #o: MembershipOptions;

  constructor(options: MembershipOptions) {
    this.#o = options;
  }

  /** A client `room` request: join `roomid`, or leave the current room when it is empty. */
  handleRoom(
    p: Participant,
    id: string | undefined,
    request: RoomRequest,
  ): Promise<void> | undefined {
    if (request.roomid === '') {
      this.#explicitLeave(p, id);
      return undefined;
    }
    if (request.federation !== undefined) {
      // RoomManager hands federated joins to its Federations first; this is only reached
      // without it.
      sendError(
        p,
        id,
        ErrorCodes.federationUnsupported,
        'The target server does not support federation.',
      );
      return undefined;
    }
    const current = this.#o.registry.get(p.session.backend.id, request.roomid);
    if (current?.has(p)) {
      this.#setRoomSessionId(p, request.sessionid ?? p.publicId);
      sendError(p, id, ErrorCodes.alreadyJoined, 'Already joined this room.', {
        room: roomBody(current.id, current.properties),
      });
      return undefined;
    }
    if (p.isInternal) {
      // Internal clients may join any room without asking Talk.
      return this.#join(p, id, request, {
        type: 'room',
        roomid: request.roomid,
        properties: undefined,
        permissions: undefined,
        sessionUserId: undefined,
      });
    }
    return this.#joinViaTalk(p, id, request);
  }

  async #joinViaTalk(p: Participant, id: string | undefined, request: RoomRequest): Promise<void> {
    const session = p.session;
    const body = roomRequest({
      roomid: request.roomid,
      userid: p.userId,
      sessionid: request.sessionid ?? p.publicId,
      ...federationActor(session),
    });
    let response: RoomJoinResponse;
    try {
      const data = await this.#o.backendClient.signalingRequest(
        session.backend,
        session.backendUrl,
        body,
      );
      response = parseRoomJoinResponse(data);
    } catch (err) {
      this.#o.logger.warn('room join request failed', {
        session: p.publicId,
        room: request.roomid,
        error: (err as Error).message,
      });
      sendWrapped(p, id, err);
      return;
    }
    if (session.closed) {
      return;
    }
    if (request.sessionid !== undefined) {
      // One connection per Talk session: an older one holding this Talk session id goes away,
      // on this server or any other.
      this.kickRoomSession(request.sessionid, p.publicId);
      if (this.#o.cluster?.active) {
        this.#o.cluster.kickRoomSession(request.sessionid, p.publicId);
      }
    }
    await this.#join(p, id, request, response);
  }

  #join(
    p: Participant,
    id: string | undefined,
    request: RoomRequest,
    response: RoomJoinResponse,
  ): Promise<void> | undefined {
    if (response.type === 'error') {
      sendError(p, id, response.error.code, response.error.message, response.error.details);
      return undefined;
    }
    if (response.type !== 'room') {
      sendError(p, id, ErrorCodes.roomJoinFailed, 'Could not join the room.');
      return undefined;
    }
    this.leave(p, true);
    const roomId = response.roomid !== '' ? response.roomid : request.roomid;
    const room = this.#o.registry.getOrCreate(p.session.backend, roomId, response.properties);
    const pending = room.pending;
    if (pending !== undefined) {
      // A room new here: first learn the members and data it has on the other servers.
      return pending.then(() => this.#enter(p, id, request, response, roomId));
    }
    this.#enter(p, id, request, response, roomId);
    return undefined;
  }

  #enter(
    p: Participant,
    id: string | undefined,
    request: RoomRequest,
    response: Extract<RoomJoinResponse, { type: 'room' }>,
    roomId: string,
  ): void {
    const { registry, roomSessions, sessions } = this.#o;
    // The same room unless Talk deleted it meanwhile; a new one is not waited for a second time
    // (what the other servers have then arrives as events).
    const room = registry.getOrCreate(p.session.backend, roomId, response.properties);
    if (p.session.closed || p.room !== undefined) {
      // Gone (or joined elsewhere) while the room was fetched: a room nobody entered goes away.
      if (room.members.size === 0) {
        room.close();
      }
      return;
    }
    const roomSessionId = request.sessionid ?? '';
    if (roomSessionId !== '') {
      roomSessions.set(p.publicId, roomSessionId);
    }
    p.roomSessionId = roomSessionId;
    sessions.stopAnonymousTimer(p.session);
    p.setRoom(room, eventTime());
    if (response.permissions !== undefined) {
      p.setPermissions(response.permissions);
    }
    p.send(this.#roomResponse(room, id));
    room.add(p, response.sessionUserId);
    this.#o.logger.debug('session joined room', { session: p.publicId, room: room.key });
  }

  #roomResponse(room: Room, id: string | undefined): ServerMessage {
    const message = roomFrame(room.id, room.properties, id);
    const bandwidth = roomBandwidth(room.backend, this.#o.sfuLimits?.());
    if (bandwidth) {
      message.room.bandwidth = bandwidth;
    }
    return message;
  }

  #explicitLeave(p: Participant, id: string | undefined): void {
    if (this.leave(p, true) === undefined) {
      return;
    }
    if (p.session.userId === '' && !p.isInternal) {
      this.#o.sessions.startAnonymousTimer(p.session);
    }
    p.send(roomFrame('', undefined, id));
  }

  #setRoomSessionId(p: Participant, roomSessionId: string): void {
    if (p.roomSessionId === roomSessionId) {
      return;
    }
    this.#o.roomSessions.set(p.publicId, roomSessionId);
    p.roomSessionId = roomSessionId;
    p.room?.memberUpdated(p);
  }

  /**
   * Takes `p` out of its room. With `notify`, Talk is told that the Talk session left (fire and
   * forget). Returns the room it left, if any.
   */
  leave(p: Participant, notify: boolean): Room | undefined {
    const room = p.room;
    if (room === undefined) {
      return undefined;
    }
    const roomSessionId = p.roomSessionId;
    this.#o.roomSessions.delete(p.publicId);
    p.roomSessionId = '';
    p.setRoom(undefined, 0);
    room.remove(p);
    if (
      notify &&
      roomSessionId !== '' &&
      !roomSessionId.startsWith(FEDERATED_ROOM_SESSION_PREFIX)
    ) {
      void this.#notifyLeave(p, room.id, roomSessionId);
    }
    return room;
  }

  async #notifyLeave(p: Participant, roomId: string, roomSessionId: string): Promise<void> {
    const session = p.session;
    const body = roomRequest({
      roomid: roomId,
      action: 'leave',
      userid: session.userId,
      sessionid: roomSessionId,
      ...federationActor(session),
    });
    try {
      await this.#o.backendClient.signalingRequest(session.backend, session.backendUrl, body);
    } catch (err) {
      this.#o.logger.warn('could not notify Talk about a left room', {
        session: p.publicId,
        room: roomId,
        error: (err as Error).message,
      });
    }
  }

  /**
   * Closes the session that holds `roomSessionId` (other than `except`): it leaves its room without
   * Talk being told (the new connection took the Talk session over) and gets
   * `bye`/`room_session_reconnected`.
   */
  kickRoomSession(roomSessionId: string, exceptPublicId: string): void {
    const publicId = this.#o.roomSessions.lookup(roomSessionId);
    if (publicId === undefined || publicId === exceptPublicId) {
      return;
    }
    const other = this.#o.sessions.session(publicId);
    if (other === undefined) {
      return;
    }
    this.#o.logger.info('closing session, its Talk session reconnected', {
      session: publicId,
      roomSession: roomSessionId,
    });
    this.leave(this.#o.participants.of(other), false);
    this.#o.sessions.closeSession(other, 'room session reconnected', 'room_session_reconnected');
  }
}
