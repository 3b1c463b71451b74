import { setTimeout as sleep } from 'node:timers/promises';
import { HEADER_CHECKSUM, HEADER_RANDOM, isObject, validateChecksum } from '@spreed-ts/protocol';
import { ocsEnvelope, send } from '../http/ocs.js';
import type { RequestContext } from '../http/request-context.js';
import type { Router } from '../http/router.js';
import { ModelError } from '../model/model-error.js';
import { effectivePermissions, isModerator, signalingPermissions } from '../model/permissions.js';
import { signalingRoomProperties } from '../model/room-properties.js';
import type { Participant } from '../model/types.js';
import type { RecordedBackendRequest, RouteDeps } from './route-deps.js';

type Reply = Record<string, unknown>;

function error(code: string, message: string): Reply {
  return { type: 'error', error: { code, message } };
}

const NO_SUCH_ROOM = (): Reply => error('no_such_room', 'The user is not invited to this room.');

/** The paths the signaling server may use (v1/v2 are rewritten to v3 by it when Talk says so). */
export const BACKEND_PATHS = [1, 2, 3].map(
  (v) => `/ocs/v2.php/apps/spreed/api/v${v}/signaling/backend`,
);

/**
 * `POST …/signaling/backend`: the signaling server asks Talk about tickets, rooms and pings
 * (Talk `SignalingController::backend`). Every answer is HTTP 200 with an OCS envelope; failures
 * are `{type: "error", error: {code, message}}` inside it.
 */
export function registerSignalingBackend(router: Router, deps: RouteDeps): void {
  for (const path of BACKEND_PATHS) {
    router.add('POST', path, (ctx) => handleBackend(deps, ctx));
  }
}

function checksumValid(deps: RouteDeps, ctx: RequestContext): boolean {
  const random = ctx.req.headers[HEADER_RANDOM];
  const checksum = ctx.req.headers[HEADER_CHECKSUM];
  if (typeof random !== 'string' || random.length < 32 || typeof checksum !== 'string') {
    return false;
  }
  return deps.settings
    .secrets()
    .some((secret) => validateChecksum(random, ctx.rawBody, secret, checksum));
}

async function handleBackend(deps: RouteDeps, ctx: RequestContext): Promise<void> {
  const rawBody = ctx.rawBody.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    body = undefined;
  }
  const type = isObject(body) && typeof body.type === 'string' ? body.type : undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '');
  }
  const entry: RecordedBackendRequest = {
    at: Date.now(),
    path: ctx.url.pathname + ctx.url.search,
    headers,
    rawBody,
    body,
    type,
    checksumValid: checksumValid(deps, ctx),
    response: undefined,
  };
  deps.recorder.push(entry);

  const plan = deps.faults.plan(type);
  if (plan.delayMs > 0) {
    await sleep(plan.delayMs);
  }
  if (plan.answer !== undefined) {
    const status = plan.answer.kind === 'status' ? plan.answer.status : 200;
    const text =
      plan.answer.body ??
      (plan.answer.kind === 'garbage'
        ? '<html><body><h1>Internal Server Error</h1></body></html>'
        : '');
    entry.response = { status, body: text };
    send(ctx.res, status, text, {
      'Content-Type': plan.answer.kind === 'garbage' ? 'text/html' : 'application/json',
    });
    return;
  }

  let reply: Reply;
  if (!entry.checksumValid) {
    reply = error('invalid_request', 'The request could not be authenticated.');
  } else {
    reply = dispatch(deps, body);
    // Talk notifies the signaling server synchronously while handling the request.
    await deps.listener.settled();
  }
  const text = JSON.stringify(ocsEnvelope(200, reply));
  entry.response = { status: 200, body: text };
  send(ctx.res, 200, text, { 'Content-Type': 'application/json; charset=utf-8' });
}

function dispatch(deps: RouteDeps, body: unknown): Reply {
  const message = isObject(body) ? body : {};
  switch (message.type) {
    case 'auth':
      return backendAuth(deps, isObject(message.auth) ? message.auth : {});
    case 'room':
      return backendRoom(deps, isObject(message.room) ? message.room : {});
    case 'ping':
      return backendPing(deps, isObject(message.ping) ? message.ping : {});
    default:
      return error(
        'unknown_type',
        `The given type ${JSON.stringify(body ?? null)} is not supported.`,
      );
  }
}

/** Hello v1: validates the ticket (Talk `backendAuth`). */
function backendAuth(deps: RouteDeps, auth: Record<string, unknown>): Reply {
  const params = isObject(auth.params) ? auth.params : {};
  const userId = typeof params.userid === 'string' ? params.userid : null;
  const ticket = params.ticket;
  if (typeof ticket !== 'string' || !deps.tickets.validate(userId, ticket)) {
    return error('invalid_ticket', 'The given ticket is not valid for this user.');
  }
  const reply: { version: string; userid?: string; user?: Record<string, unknown> } = {
    version: '1.0',
  };
  if (userId !== null && userId !== '') {
    const user = deps.model.users.get(userId);
    if (user === undefined) {
      return error('no_such_user', 'The given user does not exist.');
    }
    reply.userid = user.id;
    reply.user = { displayname: user.displayName };
  }
  return { type: 'auth', auth: reply };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Room join/leave of a signaling session (Talk `backendRoom`). */
function backendRoom(deps: RouteDeps, request: Record<string, unknown>): Reply {
  const { model, participants } = deps;
  const token = typeof request.roomid === 'string' ? request.roomid : '';
  const userId = optionalString(request.userid);
  const sessionId = optionalString(request.sessionid);
  const action = optionalString(request.action) ?? 'join';
  const actorId = optionalString(request.actorid);
  const actorType = optionalString(request.actortype);
  const inCall = typeof request.incall === 'number' ? request.incall : undefined;

  const room = model.room(token);
  if (room === undefined) {
    return NO_SUCH_ROOM();
  }
  let participant: Participant | undefined;
  let foundBySession = false;
  if (actorId !== undefined && actorType !== undefined) {
    const attendee = model.attendeeByActor(room, actorType, actorId);
    if (attendee === undefined) {
      return NO_SUCH_ROOM();
    }
    if (sessionId !== undefined) {
      participant = model.participantBySession(room, sessionId);
      foundBySession = participant !== undefined;
      if (participant === undefined && action === 'join') {
        // The session may be new to Talk: join by actor and use the id as a new session.
        participant = { room, attendee, session: null };
      }
    } else {
      participant = { room, attendee, session: null };
    }
  } else if (sessionId !== undefined) {
    participant = model.participantBySession(room, sessionId);
    foundBySession = participant !== undefined;
  } else if (userId !== undefined) {
    const attendee = model.attendeeByActor(room, 'users', userId);
    participant = attendee === undefined ? undefined : { room, attendee, session: null };
  }
  if (participant === undefined) {
    return NO_SUCH_ROOM();
  }

  if (action === 'join') {
    if (sessionId !== undefined && !foundBySession) {
      try {
        const session = participants.createSessionForAttendee(participant.attendee, sessionId);
        participant = { ...participant, session };
      } catch (cause) {
        if (cause instanceof ModelError && cause.code === 'duplicate_session') {
          return error('duplicate_session', 'The given session is already in use.');
        }
        throw cause;
      }
    }
    if (participant.session !== null) {
      if (inCall !== undefined) {
        participants.joinCall(participant, inCall);
      }
      participants.ping([participant.session.sessionId]);
    }
  } else if (action === 'leave') {
    participants.leaveRoomAsSession(participant);
  }

  const permissions = effectivePermissions(
    room,
    participant.attendee,
    model.instanceDefaultPermissions,
  );
  return {
    type: 'room',
    room: {
      version: '1.0',
      roomid: room.token,
      properties: signalingRoomProperties(room, true),
      permissions: signalingPermissions(permissions, isModerator(participant.attendee)),
    },
  };
}

/** Keeps sessions alive (Talk `backendPing`). */
function backendPing(deps: RouteDeps, ping: Record<string, unknown>): Reply {
  const entries = Array.isArray(ping.entries) ? ping.entries : [];
  const ids = entries
    .map((e) => (isObject(e) && typeof e.sessionid === 'string' ? e.sessionid : '0'))
    .filter((id) => id !== '0');
  deps.participants.ping(ids);
  return { type: 'room', room: { version: '1.0' } };
}
