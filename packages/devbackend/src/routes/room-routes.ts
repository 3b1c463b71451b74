import { sendOcs } from '../http/ocs.js';
import { boolParam, type RequestContext, stringParam } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { ModelError } from '../model/model-error.js';
import { effectivePermissions, isGuestType } from '../model/permissions.js';
import { formatRoom } from '../model/room-formatter.js';
import type { ChatMessage, DevRoom, Participant } from '../model/types.js';
import { callerParticipant, visibleRoom } from './caller.js';
import type { RouteDeps } from './route-deps.js';

const API = '/ocs/v2.php/apps/spreed/api';

/** Sends an OCS response once Talk would have finished notifying the signaling server. */
export async function respondAfterNotify(
  deps: RouteDeps,
  ctx: RequestContext,
  status: number,
  data: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  await deps.listener.settled();
  sendOcs(ctx.res, status, data, headers);
}

function formatLast(
  deps: RouteDeps,
  room: DevRoom,
  participant: Participant | undefined,
): ChatMessage | undefined {
  const last = deps.chat.last(room.token);
  return last === undefined ? undefined : deps.formatter.format(last, participant?.attendee);
}

/** The OCS room object for `participant` (or for a non-participant looking at a public room). */
export function roomData(
  deps: RouteDeps,
  room: DevRoom,
  participant: Participant | undefined,
): Record<string, unknown> {
  return formatRoom({
    room,
    attendee: participant?.attendee,
    session: participant?.session ?? null,
    lastMessage: formatLast(deps, room, participant),
    instanceDefaultPermissions: deps.model.instanceDefaultPermissions,
  });
}

/** `POST v4/room/{token}/participants/active` (Talk `RoomController::joinRoom`). */
async function joinRoom(deps: RouteDeps, ctx: RequestContext, token: string): Promise<void> {
  const { model, participants } = deps;
  const room = visibleRoom(deps, ctx, token);
  if (room === undefined) {
    sendOcs(ctx.res, 404, null);
    return;
  }
  const password = stringParam(ctx, 'password');
  const force = boolParam(ctx, 'force', true);
  const previousId = ctx.php.roomSessions.get(token);
  const previous =
    previousId === undefined ? undefined : model.participantBySession(room, previousId);
  const previousSession = previous?.session ?? null;
  if (previous !== undefined && previousSession !== null) {
    if (!force && previousSession.inCall !== 0) {
      sendOcs(ctx.res, 409, {
        sessionId: previousSession.sessionId,
        inCall: previousSession.inCall,
        lastPing: previousSession.lastPing,
      });
      return;
    }
    // The old session of this PHP session is replaced (and disinvited from signaling).
    participants.leaveRoomAsSession(previous, true);
  }
  const storedPassword = ctx.php.roomPasswords.get(token);
  const passed = room.password !== '' && storedPassword === room.password;
  let joined: Participant;
  try {
    if (ctx.userId !== undefined) {
      joined = participants.joinRoomAsUser(room, ctx.userId, password, passed);
    } else {
      const previousGuest =
        previous !== undefined && isGuestType(previous.attendee) ? previous.attendee : undefined;
      joined = participants.joinRoomAsGuest(
        room,
        password,
        passed || previousGuest !== undefined,
        previousGuest,
      );
    }
  } catch (cause) {
    if (cause instanceof ModelError && cause.code === 'password') {
      await respondAfterNotify(deps, ctx, 403, { error: 'password' });
      return;
    }
    if (cause instanceof ModelError) {
      await respondAfterNotify(deps, ctx, 404, null);
      return;
    }
    throw cause;
  }
  if (joined.session !== null) {
    ctx.php.roomSessions.set(token, joined.session.sessionId);
  }
  await respondAfterNotify(deps, ctx, 200, roomData(deps, room, joined));
}

/** `DELETE v4/room/{token}/participants/active` (Talk `RoomController::leaveRoom`). */
async function leaveRoom(deps: RouteDeps, ctx: RequestContext, token: string): Promise<void> {
  const sessionId = ctx.php.roomSessions.get(token);
  ctx.php.roomSessions.delete(token);
  const room = visibleRoom(deps, ctx, token);
  const participant =
    room === undefined || sessionId === undefined
      ? undefined
      : deps.model.participantBySession(room, sessionId);
  if (participant !== undefined) {
    deps.participants.leaveRoomAsSession(participant);
  }
  await respondAfterNotify(deps, ctx, 200, []);
}

/** `POST v1/guest/{token}/name` (Talk `GuestController::setDisplayName`). */
async function setGuestName(deps: RouteDeps, ctx: RequestContext, token: string): Promise<void> {
  const room = visibleRoom(deps, ctx, token);
  const participant = room === undefined ? undefined : callerParticipant(deps, ctx, room);
  if (room === undefined || participant === undefined) {
    sendOcs(ctx.res, 404, null);
    return;
  }
  if (!isGuestType(participant.attendee)) {
    sendOcs(ctx.res, 403, null);
    return;
  }
  const displayName = stringParam(ctx, 'displayName');
  if (participant.attendee.displayName !== displayName) {
    deps.model.setDisplayName(room, participant.attendee, displayName);
  }
  await respondAfterNotify(deps, ctx, 200, []);
}

function getRoom(deps: RouteDeps, ctx: RequestContext, token: string): void {
  const room = visibleRoom(deps, ctx, token);
  if (room === undefined) {
    sendOcs(ctx.res, 404, null);
    return;
  }
  sendOcs(ctx.res, 200, roomData(deps, room, callerParticipant(deps, ctx, room)));
}

function listRooms(deps: RouteDeps, ctx: RequestContext): void {
  const { userId } = ctx;
  if (userId === undefined) {
    sendOcs(ctx.res, 401, []);
    return;
  }
  const rooms = deps.model
    .rooms()
    .filter((room) => deps.model.attendeeByActor(room, 'users', userId) !== undefined)
    .map((room) => roomData(deps, room, callerParticipant(deps, ctx, room)));
  sendOcs(ctx.res, 200, rooms);
}

function listParticipants(deps: RouteDeps, ctx: RequestContext, token: string): void {
  const room = visibleRoom(deps, ctx, token);
  const caller = room === undefined ? undefined : callerParticipant(deps, ctx, room);
  if (room === undefined || caller === undefined) {
    sendOcs(ctx.res, 404, null);
    return;
  }
  if (ctx.userId === undefined) {
    // Guests may not list participants (Talk `RoomController::getParticipants`).
    sendOcs(ctx.res, 403, null);
    return;
  }
  const list = deps.model.attendeesOf(room).map((attendee) => {
    const sessions = deps.model.sessionsOf(attendee);
    return {
      roomToken: room.token,
      attendeeId: attendee.id,
      actorType: attendee.actorType,
      actorId: attendee.actorId,
      displayName: attendee.displayName,
      participantType: attendee.participantType,
      attendeePermissions: attendee.permissions,
      permissions: effectivePermissions(room, attendee, deps.model.instanceDefaultPermissions),
      attendeePin: '',
      lastPing: Math.max(0, ...sessions.map((s) => s.lastPing)),
      inCall: sessions.reduce((flags, s) => flags | s.inCall, 0),
      sessionIds: sessions.map((s) => s.sessionId),
    };
  });
  sendOcs(ctx.res, 200, list);
}

/** Conversation and participant routes. */
export function registerRoomRoutes(router: Router, deps: RouteDeps): void {
  const ocs = { ocs: true };
  router.add('GET', `${API}/v4/room`, (ctx) => listRooms(deps, ctx), ocs);
  router.add('GET', `${API}/v4/room/:token`, (ctx, p) => getRoom(deps, ctx, p.token ?? ''), ocs);
  router.add(
    'POST',
    `${API}/v4/room/:token/participants/active`,
    (ctx, p) => joinRoom(deps, ctx, p.token ?? ''),
    ocs,
  );
  router.add(
    'DELETE',
    `${API}/v4/room/:token/participants/active`,
    (ctx, p) => leaveRoom(deps, ctx, p.token ?? ''),
    ocs,
  );
  router.add(
    'GET',
    `${API}/v4/room/:token/participants`,
    (ctx, p) => listParticipants(deps, ctx, p.token ?? ''),
    ocs,
  );
  router.add(
    'POST',
    `${API}/v1/guest/:token/name`,
    (ctx, p) => setGuestName(deps, ctx, p.token ?? ''),
    ocs,
  );
}
