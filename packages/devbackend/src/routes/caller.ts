import { sendOcs } from '../http/ocs.js';
import type { RequestContext } from '../http/request-context.js';
import { RoomTypes } from '../model/constants.js';
import { blockedByLobby } from '../model/room-formatter.js';
import type { DevRoom, Participant } from '../model/types.js';
import type { RouteDeps } from './route-deps.js';

/**
 * The room as the caller may see it (Talk `Manager::getRoomForUserByToken`): public rooms for
 * everybody, others only for their user attendees.
 */
export function visibleRoom(
  deps: RouteDeps,
  ctx: RequestContext,
  token: string,
): DevRoom | undefined {
  const room = deps.model.room(token);
  if (room === undefined) {
    return undefined;
  }
  if (room.type === RoomTypes.public) {
    return room;
  }
  if (ctx.userId !== undefined && deps.model.attendeeByActor(room, 'users', ctx.userId)) {
    return room;
  }
  return undefined;
}

/**
 * The caller's participant (Talk `InjectionMiddleware::getLoggedInOrGuest`): users by their
 * attendee, with the session their PHP session holds for the room; guests only through the Talk
 * session stored in their PHP session.
 */
export function callerParticipant(
  deps: RouteDeps,
  ctx: RequestContext,
  room: DevRoom,
): Participant | undefined {
  const sessionId = ctx.php.roomSessions.get(room.token);
  const bySession =
    sessionId === undefined ? undefined : deps.model.participantBySession(room, sessionId);
  if (ctx.userId !== undefined) {
    const attendee = deps.model.attendeeByActor(room, 'users', ctx.userId);
    if (attendee === undefined) {
      return undefined;
    }
    const session = bySession?.attendee.id === attendee.id ? bySession.session : null;
    return { room, attendee, session };
  }
  return bySession;
}

/**
 * Runs the checks every OCS app route shares: failed Basic auth is 401, a missing
 * `OCS-APIRequest` header (without a valid request token) fails Nextcloud's CSRF check.
 * Returns false when a response was already sent.
 */
export function passesOcsChecks(deps: RouteDeps, ctx: RequestContext): boolean {
  if (ctx.authFailed) {
    sendOcs(ctx.res, 401, [], {});
    return false;
  }
  if (deps.settings.requireOcsApiRequest && !ctx.passesCsrf) {
    sendOcs(ctx.res, 412, { message: 'CSRF check failed' });
    return false;
  }
  return true;
}

/**
 * The room and the caller's participant for a route that needs both: 404 when either is missing,
 * 412 `lobby` while the lobby keeps the caller out. Sends the error and returns undefined then.
 */
export function requireParticipant(
  deps: RouteDeps,
  ctx: RequestContext,
  token: string,
): { room: DevRoom; participant: Participant } | undefined {
  const room = visibleRoom(deps, ctx, token);
  const participant = room === undefined ? undefined : callerParticipant(deps, ctx, room);
  if (room === undefined || participant === undefined) {
    sendOcs(ctx.res, 404, null);
    return undefined;
  }
  if (blockedByLobby(room, participant.attendee, deps.model.instanceDefaultPermissions)) {
    sendOcs(ctx.res, 412, { error: 'lobby' });
    return undefined;
  }
  return { room, participant };
}
