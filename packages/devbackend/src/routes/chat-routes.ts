import { send, sendOcs } from '../http/ocs.js';
import { boolParam, intParam, type RequestContext, stringParam } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { AttendeePermissions, MAX_CHAT_LENGTH } from '../model/constants.js';
import { effectivePermissions, isGuestType } from '../model/permissions.js';
import { nowSeconds } from '../model/random.js';
import type { DevRoom } from '../model/types.js';
import { requireParticipant } from './caller.js';
import { respondAfterNotify } from './room-routes.js';
import type { RouteDeps } from './route-deps.js';

const CHAT_PATH = '/ocs/v2.php/apps/spreed/api/v1/chat/:token';

/** Longest long-poll Talk allows, in seconds (`ChatController::receiveMessages`). */
export const MAX_CHAT_TIMEOUT_SECONDS = 30;

function lastCommonRead(deps: RouteDeps, room: DevRoom): number {
  const reads = deps.model.attendeesOf(room).map((a) => a.lastReadMessage);
  return reads.length === 0 ? 0 : Math.min(...reads);
}

/** `GET v1/chat/{token}`: history, or a long-poll for newer messages (Talk `receiveMessages`). */
async function receiveMessages(deps: RouteDeps, ctx: RequestContext, token: string): Promise<void> {
  const found = requireParticipant(deps, ctx, token);
  if (found === undefined) {
    return;
  }
  const { room, participant } = found;
  const query = {
    lookIntoFuture: intParam(ctx, 'lookIntoFuture', 0) === 1,
    lastKnownMessageId: Math.max(0, intParam(ctx, 'lastKnownMessageId', 0)),
    limit: Math.min(200, Math.max(1, intParam(ctx, 'limit', 100))),
    includeLastKnown: intParam(ctx, 'includeLastKnown', 0) === 1,
  };
  const timeoutSeconds = Math.min(
    MAX_CHAT_TIMEOUT_SECONDS,
    Math.max(0, intParam(ctx, 'timeout', MAX_CHAT_TIMEOUT_SECONDS)),
  );
  let messages = deps.chat.read(token, query);
  if (messages.length === 0 && query.lookIntoFuture && timeoutSeconds > 0) {
    const abort = new AbortController();
    const onClose = (): void => abort.abort();
    ctx.res.once('close', onClose);
    await deps.chat.waitForMessage(token, timeoutSeconds * 1000, abort.signal);
    ctx.res.off('close', onClose);
    messages = deps.chat.read(token, query);
  }
  if (messages.length === 0) {
    send(ctx.res, 304, '', { 'X-Chat-Last-Common-Read': String(lastCommonRead(deps, room)) });
    return;
  }
  const lastGiven = messages[messages.length - 1]?.id ?? 0;
  if (query.lookIntoFuture && boolParam(ctx, 'setReadMarker', true)) {
    participant.attendee.lastReadMessage = Math.max(
      participant.attendee.lastReadMessage,
      lastGiven,
    );
  }
  const formatted = messages.map((m) => deps.formatter.format(m, participant.attendee));
  sendOcs(ctx.res, 200, formatted, {
    'X-Chat-Last-Given': String(lastGiven),
    'X-Chat-Last-Common-Read': String(lastCommonRead(deps, room)),
  });
}

/** `POST v1/chat/{token}` (Talk `ChatController::sendMessage`). */
async function sendMessage(deps: RouteDeps, ctx: RequestContext, token: string): Promise<void> {
  const found = requireParticipant(deps, ctx, token);
  if (found === undefined) {
    return;
  }
  const { room, participant } = found;
  const { attendee } = participant;
  const permissions = effectivePermissions(room, attendee, deps.model.instanceDefaultPermissions);
  if (room.readOnly === 1 || (permissions & AttendeePermissions.chat) === 0) {
    sendOcs(ctx.res, 403, null);
    return;
  }
  const text = stringParam(ctx, 'message');
  if (text.trim() === '') {
    sendOcs(ctx.res, 400, null);
    return;
  }
  if (text.length > MAX_CHAT_LENGTH) {
    sendOcs(ctx.res, 413, null);
    return;
  }
  const displayName = stringParam(ctx, 'actorDisplayName');
  if (isGuestType(attendee) && displayName !== '' && displayName !== attendee.displayName) {
    deps.model.setDisplayName(room, attendee, displayName);
  }
  const replyTo = intParam(ctx, 'replyTo', 0);
  const referenceId = stringParam(ctx, 'referenceId');
  const message = deps.chat.post({
    token,
    actorType: attendee.actorType === 'users' ? 'users' : 'guests',
    actorId: attendee.actorId,
    actorDisplayName: attendee.displayName,
    message: text,
    ...(replyTo > 0 ? { replyTo } : {}),
    ...(referenceId !== '' ? { referenceId } : {}),
    silent: boolParam(ctx, 'silent', false),
  });
  room.lastActivity = nowSeconds();
  attendee.lastReadMessage = message.id;
  await respondAfterNotify(deps, ctx, 201, deps.formatter.format(message, attendee), {
    'X-Chat-Last-Common-Read': String(lastCommonRead(deps, room)),
  });
}

/** `POST v1/chat/{token}/read`: sets the read marker. */
function setReadMarker(deps: RouteDeps, ctx: RequestContext, token: string): void {
  const found = requireParticipant(deps, ctx, token);
  if (found === undefined) {
    return;
  }
  const last = deps.chat.last(token)?.id ?? 0;
  found.participant.attendee.lastReadMessage = intParam(ctx, 'lastReadMessage', last);
  sendOcs(ctx.res, 200, [], {
    'X-Chat-Last-Common-Read': String(lastCommonRead(deps, found.room)),
  });
}

/** Chat routes. */
export function registerChatRoutes(router: Router, deps: RouteDeps): void {
  const ocs = { ocs: true };
  router.add('GET', CHAT_PATH, (ctx, p) => receiveMessages(deps, ctx, p.token ?? ''), ocs);
  router.add('POST', CHAT_PATH, (ctx, p) => sendMessage(deps, ctx, p.token ?? ''), ocs);
  router.add('POST', `${CHAT_PATH}/read`, (ctx, p) => setReadMarker(deps, ctx, p.token ?? ''), ocs);
}
