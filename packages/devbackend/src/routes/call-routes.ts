import { InCallFlags } from '@spreed-ts/protocol';
import { sendOcs } from '../http/ocs.js';
import { boolParam, intParam, type RequestContext } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { AttendeePermissions } from '../model/constants.js';
import { ModelError } from '../model/model-error.js';
import { effectivePermissions, isModerator } from '../model/permissions.js';
import { requireParticipant } from './caller.js';
import { respondAfterNotify } from './room-routes.js';
import type { RouteDeps } from './route-deps.js';

const CALL_PATH = '/ocs/v2.php/apps/spreed/api/v4/call/:token';

/**
 * Resolves room and participant like Talk's `RequireParticipant` + lobby middlewares; sends 404 or
 * 412 and returns undefined when they fail.
 */
/** `GET v4/call/{token}`: sessions in the call (Talk `CallController::getPeersForCall`). */
function getPeers(deps: RouteDeps, ctx: RequestContext, token: string): void {
  const found = requireParticipant(deps, ctx, token);
  if (found === undefined) {
    return;
  }
  const peers = deps.model
    .participantsOf(found.room, false)
    .filter((p) => (p.session?.inCall ?? 0) !== InCallFlags.disconnected)
    .map((p) => ({
      actorType: p.attendee.actorType,
      actorId: p.attendee.actorId,
      displayName: p.attendee.displayName,
      token: found.room.token,
      lastPing: p.session?.lastPing ?? 0,
      sessionId: p.session?.sessionId ?? '0',
    }));
  sendOcs(ctx.res, 200, peers);
}

/** `POST v4/call/{token}` (Talk `CallController::joinCall`). */
async function joinCall(deps: RouteDeps, ctx: RequestContext, token: string): Promise<void> {
  const found = requireParticipant(deps, ctx, token);
  if (found === undefined) {
    return;
  }
  const { room, participant } = found;
  if (participant.session === null) {
    sendOcs(ctx.res, 404, null);
    return;
  }
  if (room.readOnly === 1) {
    sendOcs(ctx.res, 403, null);
    return;
  }
  const permissions = effectivePermissions(
    room,
    participant.attendee,
    deps.model.instanceDefaultPermissions,
  );
  const mayStart = (permissions & AttendeePermissions.startCall) !== 0;
  if (
    (permissions & AttendeePermissions.joinCall) === 0 ||
    (room.activeSince === null && !mayStart)
  ) {
    sendOcs(ctx.res, 403, null);
    return;
  }
  const flags = intParam(
    ctx,
    'flags',
    InCallFlags.inCall | InCallFlags.withAudio | InCallFlags.withVideo,
  );
  deps.participants.joinCall(participant, flags);
  await respondAfterNotify(deps, ctx, 200, []);
}

/** `PUT v4/call/{token}` (Talk `CallController::updateCallFlags`). */
async function updateCall(deps: RouteDeps, ctx: RequestContext, token: string): Promise<void> {
  const found = requireParticipant(deps, ctx, token);
  if (found === undefined) {
    return;
  }
  if (found.participant.session === null) {
    sendOcs(ctx.res, 404, null);
    return;
  }
  try {
    deps.participants.updateCallFlags(found.participant, intParam(ctx, 'flags', 0));
  } catch (cause) {
    if (cause instanceof ModelError) {
      sendOcs(ctx.res, 400, null);
      return;
    }
    throw cause;
  }
  await respondAfterNotify(deps, ctx, 200, []);
}

/** `DELETE v4/call/{token}` (Talk `CallController::leaveCall`), `all` ends it for everyone. */
async function leaveCall(deps: RouteDeps, ctx: RequestContext, token: string): Promise<void> {
  const found = requireParticipant(deps, ctx, token);
  if (found === undefined) {
    return;
  }
  const { room, participant } = found;
  if (participant.session === null) {
    sendOcs(ctx.res, 404, null);
    return;
  }
  if (boolParam(ctx, 'all', false) && isModerator(participant.attendee)) {
    deps.participants.endCallForEveryone(room, participant.attendee);
  } else {
    deps.participants.leaveCall(participant);
  }
  await respondAfterNotify(deps, ctx, 200, []);
}

/** Call routes. */
export function registerCallRoutes(router: Router, deps: RouteDeps): void {
  const ocs = { ocs: true };
  router.add('GET', CALL_PATH, (ctx, p) => getPeers(deps, ctx, p.token ?? ''), ocs);
  router.add('POST', CALL_PATH, (ctx, p) => joinCall(deps, ctx, p.token ?? ''), ocs);
  router.add('PUT', CALL_PATH, (ctx, p) => updateCall(deps, ctx, p.token ?? ''), ocs);
  router.add('DELETE', CALL_PATH, (ctx, p) => leaveCall(deps, ctx, p.token ?? ''), ocs);
}
