import { isObject, type JsonObject, type ServerMessage } from '@spreed-ts/protocol';
import type { Backend } from '../backend/backend-registry.js';
import type { Logger } from '../logger.js';
import type {
  BackendApiProcessor,
  BackendApiRequestInfo,
  BackendApiResult,
} from '../transport/backend-api.js';
import {
  type BackendRoomRequest,
  type DeleteRequest,
  type DisinviteRequest,
  type InCallRequest,
  type ParticipantsRequest,
  parseBackendRoomRequest,
  parseInCallAllValue,
  type SwitchToRequest,
} from './backend-requests.js';
import type { Dialout } from './dialout.js';
import {
  type DisinviteReason,
  disinviteFrame,
  type RawFrame,
  roomFrame,
  roomlistFrame,
  switchToFrame,
} from './events.js';
import type { Membership } from './membership.js';
import type { Participant } from './participant.js';
import type { Room } from './room.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomSessionMap } from './room-session-map.js';
import type { Router } from './router.js';
import type { SessionControl } from './session-control.js';
import type { VirtualSessions } from './virtual-sessions.js';

/** Talk's placeholder for "not in the meeting" in session id lists. */
const NOT_IN_MEETING = '0';

const clockOffset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/**
 * Receive stamps in nanoseconds since the epoch: monotonic within the process and comparable
 * across the servers of a cluster, which apply each other's requests with the original stamp.
 */
export function receiveStamp(): bigint {
  return clockOffset + process.hrtime.bigint();
}

/** How Talk's requests reach the other servers of a cluster. */
export interface BackendApiCluster {
  /** Whether other servers exist. */
  readonly active: boolean;
  /** Passes a request (the decoded body) on for the other servers to apply as well. */
  forward(backendId: string, roomId: string, body: JsonObject, stamp: bigint): void;
}

/** What the backend API processor needs. */
export interface RoomsBackendApiOptions {
  registry: RoomRegistry;
  roomSessions: RoomSessionMap;
  router: Router;
  membership: Membership;
  virtuals: VirtualSessions;
  dialout: Dialout;
  sessions: SessionControl;
  logger: Logger;
  /** Receive stamps (ns) for the ordering rule. */
  now?: () => bigint;
  /** The other servers of a cluster. */
  cluster?: BackendApiCluster;
  /** Backends by id (for requests passed on by other servers). */
  backends?: (id: string) => Backend | undefined;
}

const OK: BackendApiResult = { status: 200, body: {} };

/**
 * Talk's requests to the signaling server (`POST /api/v1/room/<roomid>`, upstream's roomHandler):
 * roomlist events for users, room updates and deletion, participant and call changes, chat
 * notifications, breakout-room switches and dial-out. Talk notifies one server of a cluster; that
 * one passes every request but dial-out on, and each server applies it to its own sessions.
 */
export class RoomsBackendApi implements BackendApiProcessor {
  readonly #o: RoomsBackendApiOptions;

  constructor(options: RoomsBackendApiOptions) {
    this.#o = options;
  }

  process(
    backend: Backend,
    roomId: string,
    body: unknown,
    info?: BackendApiRequestInfo,
  ): Promise<BackendApiResult> | BackendApiResult {
    const request = parseBackendRoomRequest(body);
    const receivedAt = (this.#o.now ?? receiveStamp)();
    this.#o.logger.debug('backend request', { room: roomId, type: request.type });
    // Dial-out needs a SIP bridge connected here (upstream does not look elsewhere either).
    if (request.type !== 'dialout' && this.#o.cluster?.active && isObject(body)) {
      this.#o.cluster.forward(backend.id, roomId, body, receivedAt);
    }
    return this.#dispatch(backend, roomId, request, receivedAt, info);
  }

  /** A request another server of the cluster received from Talk. */
  processForwarded(backendId: string, roomId: string, body: JsonObject, stamp: bigint): void {
    const backend = this.#o.backends?.(backendId);
    if (backend === undefined) {
      this.#o.logger.warn('backend request of another server for an unknown backend', {
        backend: backendId,
        room: roomId,
      });
      return;
    }
    let request: BackendRoomRequest;
    try {
      request = parseBackendRoomRequest(body);
    } catch (err) {
      this.#o.logger.warn('invalid backend request from another server', {
        room: roomId,
        error: String(err),
      });
      return;
    }
    if (request.type === 'dialout') {
      return;
    }
    this.#o.logger.debug('backend request of another server', { room: roomId, type: request.type });
    try {
      void this.#dispatch(backend, roomId, request, stamp, undefined);
    } catch (err) {
      this.#o.logger.warn('backend request of another server failed', {
        room: roomId,
        type: request.type,
        error: String(err),
      });
    }
  }

  #dispatch(
    backend: Backend,
    roomId: string,
    request: BackendRoomRequest,
    receivedAt: bigint,
    info: BackendApiRequestInfo | undefined,
  ): Promise<BackendApiResult> | BackendApiResult {
    switch (request.type) {
      case 'invite': {
        const { userids, alluserids, properties } = request.invite;
        this.#toUsers(backend, userids, roomlistFrame('invite', roomId, properties));
        this.#roomlistUpdate(backend, roomId, userids, alluserids, properties);
        return OK;
      }
      case 'disinvite':
        this.#disinvite(backend, roomId, request.disinvite);
        return OK;
      case 'update': {
        const { userids, properties } = request.update;
        this.#inRoom(backend, roomId, request.type, receivedAt, (room) =>
          room.updateProperties(properties),
        );
        this.#roomlistUpdate(backend, roomId, [], userids, properties);
        return OK;
      }
      case 'delete':
        this.#delete(backend, roomId, request.delete, receivedAt);
        return OK;
      case 'incall':
        this.#inCall(backend, roomId, request.incall, receivedAt);
        return OK;
      case 'participants':
        this.#participants(backend, roomId, request.participants, receivedAt);
        return OK;
      case 'message': {
        const data = request.message.data;
        if (data !== undefined) {
          this.#inRoom(backend, roomId, request.type, receivedAt, (room) =>
            room.publish({ kind: 'chat', roomid: room.id, data }),
          );
        }
        return OK;
      }
      case 'switchto':
        this.#switchTo(backend, roomId, request.switchto, receivedAt);
        return OK;
      case 'dialout':
        return this.#o.dialout.start(backend, roomId, info?.backendUrl, request.dialout);
    }
  }

  /** Runs `action` on the room if it exists here and the request is not older than the last one. */
  #inRoom(
    backend: Backend,
    roomId: string,
    type: BackendRoomRequest['type'],
    receivedAt: bigint,
    action: (room: Room) => void,
  ): void {
    const room = this.#o.registry.get(backend.id, roomId);
    if (room === undefined) {
      return;
    }
    if (!room.acceptRequest(type, receivedAt)) {
      this.#o.logger.info('old backend request ignored', { room: room.key, type });
      return;
    }
    action(room);
  }

  #toUsers(backend: Backend, userIds: readonly string[], message: ServerMessage): Participant[] {
    const receivers = this.#o.router.userSessions(backend.id, new Set(userIds));
    this.#o.router.deliver(receivers, { kind: 'frame', message });
    return receivers;
  }

  /** Roomlist `update` for everybody in `all` not already told in `notified`. */
  #roomlistUpdate(
    backend: Backend,
    roomId: string,
    notified: readonly string[],
    all: readonly string[],
    properties: unknown,
  ): void {
    const skip = new Set(notified);
    const userIds = all.filter((u) => !skip.has(u));
    if (userIds.length > 0) {
      this.#toUsers(backend, userIds, roomlistFrame('update', roomId, properties));
    }
  }

  /**
   * Maps a Talk session id to the public id of a session here or, with `remote`, one of the room's
   * members on other servers (placeholder and unknown ids give undefined).
   */
  #mapSessionId(roomSessionId: unknown, remote?: ReadonlyMap<string, string>): string | undefined {
    if (typeof roomSessionId !== 'string' || roomSessionId === NOT_IN_MEETING) {
      return undefined;
    }
    return this.#o.roomSessions.lookup(roomSessionId) ?? remote?.get(roomSessionId);
  }

  /**
   * Replaces Talk session ids by public ids, dropping entries that cannot be mapped. Members of
   * the room on other servers are mapped too, so every server sends the same list.
   */
  #mapEntries(backend: Backend, roomId: string, entries: readonly JsonObject[]): JsonObject[] {
    const room = this.#o.registry.get(backend.id, roomId);
    const remote =
      room !== undefined && room.remoteMembers.size > 0 ? room.remoteRoomSessions() : undefined;
    const result: JsonObject[] = [];
    for (const entry of entries) {
      const publicId = this.#mapSessionId(entry.sessionId, remote);
      if (publicId !== undefined) {
        result.push({ ...entry, sessionId: publicId });
      }
    }
    return result;
  }

  #disinvite(backend: Backend, roomId: string, request: DisinviteRequest): void {
    const reason: DisinviteReason = 'disinvited';
    this.#sendDisinvite(backend, roomId, reason, request.userids, request.sessionids);
    this.#roomlistUpdate(backend, roomId, request.userids, request.alluserids, request.properties);
  }

  /**
   * Roomlist `disinvite` to the users' sessions and to single Talk sessions, once per session
   * however often Talk lists it (by user, by session id or both). A connected session that is in
   * that very room is closed after the frame (upstream closes it on write); a virtual session
   * makes its internal client receive a `hangup` control.
   */
  #sendDisinvite(
    backend: Backend,
    roomId: string,
    reason: DisinviteReason,
    userIds: readonly string[],
    roomSessionIds: readonly string[],
  ): void {
    const message = disinviteFrame(roomId, reason);
    const receivers = this.#toUsers(backend, userIds, message);
    const done = new Set(receivers.map((p) => p.publicId));
    const direct: Participant[] = [];
    for (const roomSessionId of roomSessionIds) {
      const publicId = this.#mapSessionId(roomSessionId);
      if (publicId === undefined || done.has(publicId)) {
        continue;
      }
      done.add(publicId);
      const member = this.#o.router.member(publicId);
      if (member === undefined) {
        continue;
      }
      if (member.kind === 'virtual') {
        if (member.room?.id === roomId) {
          this.#hangup(member.owner, member.clientSessionId, member.userId);
        }
        continue;
      }
      if (member.session.backend.id === backend.id) {
        direct.push(member);
      }
    }
    this.#o.router.deliver(direct, { kind: 'frame', message });
    for (const p of [...receivers, ...direct]) {
      if (p.connected && p.room?.id === roomId && !p.session.closed) {
        this.#o.sessions.closeSession(p.session, `disinvited from ${roomId}`);
      }
    }
  }

  #hangup(owner: Participant, clientSessionId: string, userId: string): void {
    const recipient: JsonObject = { type: 'session', sessionid: clientSessionId };
    if (userId !== '') {
      recipient.userid = userId;
    }
    const message: RawFrame = {
      type: 'control',
      control: {
        sender: null,
        recipient,
        data: { type: 'hangup', hangup: { reason: 'disinvited' } },
      },
    };
    this.#o.router.deliver([owner], { kind: 'frame', message });
  }

  #delete(backend: Backend, roomId: string, request: DeleteRequest, receivedAt: bigint): void {
    this.#inRoom(backend, roomId, 'delete', receivedAt, (room) => {
      const internal = [...room.participants()].filter((p) => p.isInternal);
      this.#o.router.deliver(internal, {
        kind: 'frame',
        message: { type: 'event', event: { target: 'room', type: 'delete' } },
      });
      for (const member of room.close()) {
        if (member.kind === 'virtual') {
          this.#o.virtuals.detach(member);
          continue;
        }
        this.#o.membership.leave(member, true);
        if (member.connected) {
          member.send(roomFrame(''));
        }
      }
    });
    this.#sendDisinvite(backend, roomId, 'deleted', request.userids, []);
  }

  #inCall(backend: Backend, roomId: string, request: InCallRequest, receivedAt: bigint): void {
    if (request.all) {
      this.#inRoom(backend, roomId, 'incall', receivedAt, (room) => {
        const flags = parseInCallAllValue(request.incall);
        if (flags === undefined) {
          this.#o.logger.warn('unsupported incall flags ignored', { room: room.key });
          return;
        }
        room.publishInCallAll(flags);
      });
      return;
    }
    const users = this.#mapEntries(backend, roomId, request.users);
    const changed = this.#mapEntries(backend, roomId, request.changed);
    if (users.length === 0 && changed.length === 0) {
      return;
    }
    this.#inRoom(backend, roomId, 'incall', receivedAt, (room) =>
      room.publishInCallChanged(changed, users),
    );
  }

  #participants(
    backend: Backend,
    roomId: string,
    request: ParticipantsRequest,
    receivedAt: bigint,
  ): void {
    const users = this.#mapEntries(backend, roomId, request.users);
    const changed = this.#mapEntries(backend, roomId, request.changed);
    if (users.length === 0 && changed.length === 0) {
      return;
    }
    for (const entry of changed) {
      const permissions = entry.permissions;
      if (!Array.isArray(permissions) || !permissions.every((p) => typeof p === 'string')) {
        continue;
      }
      const member = this.#o.router.member(entry.sessionId as string);
      if (member?.kind === 'session' && member.session.backend.id === backend.id) {
        member.setPermissions(permissions as string[]);
      }
    }
    this.#inRoom(backend, roomId, 'participants', receivedAt, (room) =>
      room.publishParticipants(changed, users),
    );
  }

  #switchTo(backend: Backend, roomId: string, request: SwitchToRequest, receivedAt: bigint): void {
    const sessions = request.sessions;
    // One switch per session, even if Talk lists it twice.
    const targets = new Map<string, unknown>();
    const pairs: [string, unknown][] =
      sessions.kind === 'list' ? sessions.ids.map((id) => [id, undefined]) : sessions.entries;
    for (const [roomSessionId, details] of pairs) {
      const publicId = this.#mapSessionId(roomSessionId);
      if (publicId !== undefined && !targets.has(publicId)) {
        targets.set(publicId, details);
      }
    }
    if (targets.size === 0) {
      return;
    }
    this.#inRoom(backend, roomId, 'switchto', receivedAt, () => {
      for (const [publicId, details] of targets) {
        const member = this.#o.router.member(publicId);
        if (member?.kind === 'session') {
          this.#o.router.deliver([member], {
            kind: 'frame',
            message: switchToFrame(request.roomid, details),
          });
        }
      }
    });
  }
}
