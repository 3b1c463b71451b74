import { isObject } from '@spreed-ts/protocol';

/** Key prefix of per-session transient data. */
const SESSION_DATA_PREFIX = 'sd:';

type Json = Record<string, unknown>;

/** What the rewriting of one proxied session needs to know. */
export interface RewriteIds {
  /** Public id of the local session. */
  localSessionId: string;
  /** Public id of its session on the remote server ('' before hello). */
  remoteSessionId: string;
  /** Room id the local client asked for. */
  roomId: string;
  /** Room id on the remote server. */
  remoteRoomId: string;
  /** `@host[/path]` of the local Nextcloud. */
  localCloud: string;
  /** `@host[/path]` of the remote Nextcloud. */
  remoteCloud: string;
  /** Local Nextcloud URL with scheme, without OCS path and trailing slash. */
  localUrl: string;
  /** Remote Nextcloud URL, same form. */
  remoteUrl: string;
}

/** A Nextcloud URL without OCS path and trailing slash (scheme kept). */
export function urlWithoutPath(url: string): string {
  const ocs = url.indexOf('/ocs/v');
  return ocs === -1 ? url.replace(/\/$/, '') : url.slice(0, ocs);
}

/** `host[/path]` of a Nextcloud URL without scheme, OCS path and trailing slash. */
export function cloudOf(url: string): string {
  return urlWithoutPath(url.replace(/^https?:\/\//, ''));
}

function swapSession(target: unknown, key: string, from: string, to: string): void {
  if (isObject(target) && from !== '' && target[key] === from) {
    target[key] = to;
  }
}

function swapSessionTarget(target: unknown, from: string, to: string): void {
  if (isObject(target) && target.type === 'session') {
    swapSession(target, 'sessionid', from, to);
  }
}

/**
 * Local users appear remotely as federated users with the local cloud suffix, remote users locally
 * as federated users with the remote cloud suffix.
 */
function updateActor(entry: Json, idKey: string, typeKey: string, ids: RewriteIds): void {
  const actorId = entry[idKey];
  const actorType = entry[typeKey];
  if (typeof actorId !== 'string' || typeof actorType !== 'string') {
    return;
  }
  if (actorType === 'federated_users' && actorId.endsWith(ids.localCloud)) {
    entry[idKey] = actorId.slice(0, actorId.length - ids.localCloud.length);
    entry[typeKey] = 'users';
  } else if (actorType === 'users') {
    entry[idKey] = actorId + ids.remoteCloud;
    entry[typeKey] = 'federated_users';
  }
}

function updateUsers(users: unknown, ids: RewriteIds): void {
  if (!Array.isArray(users)) {
    return;
  }
  let ownFound = false;
  for (const user of users) {
    if (!isObject(user)) {
      continue;
    }
    updateActor(user, 'actorId', 'actorType', ids);
    if (!ownFound && ids.remoteSessionId !== '') {
      for (const key of ['sessionId', 'sessionid']) {
        if (user[key] === ids.remoteSessionId) {
          user[key] = ids.localSessionId;
          ownFound = true;
          break;
        }
      }
    }
  }
}

/** A chat comment relayed in a room message: actors, room token and mentions. */
function updateComment(comment: Json, ids: RewriteIds): void {
  updateActor(comment, 'actorId', 'actorType', ids);
  updateActor(comment, 'lastEditActorId', 'lastEditActorType', ids);
  swapRoom(comment, 'token', ids);
  const params = comment.messageParameters;
  if (!isObject(params)) {
    return;
  }
  for (const [key, param] of Object.entries(params)) {
    if (!key.startsWith('mention-') || !isObject(param)) {
      continue;
    }
    if (param.type === 'user') {
      if (param.server === ids.localUrl) {
        delete param.server;
      } else if (typeof param['mention-id'] !== 'string') {
        param['mention-id'] = param.id;
        param.server = ids.remoteUrl;
      }
    } else if (param.type === 'call') {
      swapRoom(param, 'id', ids);
    }
  }
}

function updateChat(message: unknown, ids: RewriteIds): void {
  const data = isObject(message) ? message.data : undefined;
  const chat = isObject(data) && data.type === 'chat' ? data.chat : undefined;
  const comment = isObject(chat) ? chat.comment : undefined;
  if (!isObject(comment)) {
    return;
  }
  updateComment(comment, ids);
  if (isObject(comment.parent)) {
    updateComment(comment.parent, ids);
  }
}

function swapRoom(target: unknown, key: string, ids: RewriteIds): void {
  if (isObject(target) && ids.roomId !== ids.remoteRoomId && target[key] === ids.remoteRoomId) {
    target[key] = ids.roomId;
  }
}

function rewriteEvent(event: Json, ids: RewriteIds): void {
  const { localSessionId: local, remoteSessionId: remote } = ids;
  switch (`${String(event.target)}/${String(event.type)}`) {
    case 'participants/update':
      swapRoom(event.update, 'roomid', ids);
      if (isObject(event.update) && remote !== '') {
        updateUsers(event.update.changed, ids);
        updateUsers(event.update.users, ids);
      }
      return;
    case 'participants/flags':
      swapRoom(event.flags, 'roomid', ids);
      swapSession(event.flags, 'sessionid', remote, local);
      return;
    case 'participants/message':
      swapRoom(event.message, 'roomid', ids);
      return;
    case 'room/message':
      swapRoom(event.message, 'roomid', ids);
      updateChat(event.message, ids);
      return;
    case 'room/join':
      if (Array.isArray(event.join)) {
        const own = event.join.find((entry) => isObject(entry) && entry.sessionid === remote);
        swapSession(own, 'sessionid', remote, local);
      }
      return;
    case 'room/leave':
      if (Array.isArray(event.leave) && remote !== '') {
        const index = event.leave.indexOf(remote);
        if (index !== -1) {
          event.leave[index] = local;
        }
      }
      return;
    case 'roomlist/invite':
      swapRoom(event.invite, 'roomid', ids);
      return;
    case 'roomlist/disinvite':
      swapRoom(event.disinvite, 'roomid', ids);
      return;
    case 'roomlist/update':
      swapRoom(event.update, 'roomid', ids);
      return;
  }
}

/** Rewrites a frame of the remote server in place for the local client (upstream's rules). */
export function rewriteIncoming(frame: Json, ids: RewriteIds): void {
  const { localSessionId: local, remoteSessionId: remote } = ids;
  switch (frame.type) {
    case 'control':
    case 'message': {
      const body = frame[frame.type];
      if (!isObject(body)) {
        return;
      }
      swapSessionTarget(body.recipient, remote, local);
      swapSessionTarget(body.sender, remote, local);
      const data = body.data;
      if (frame.type === 'control' && isObject(data) && data.action === 'forceMute') {
        swapSession(data, 'peerId', remote, local);
      }
      if (
        frame.type === 'message' &&
        isObject(data) &&
        (data.type === 'offer' || data.type === 'answer')
      ) {
        swapSession(data, 'from', remote, local);
        swapSession(data, 'to', remote, local);
      }
      return;
    }
    case 'event':
      if (isObject(frame.event)) {
        rewriteEvent(frame.event, ids);
      }
      return;
    case 'room':
      swapRoom(frame.room, 'roomid', ids);
      return;
    case 'error':
      if (isObject(frame.error) && frame.error.code === 'already_joined') {
        const details = frame.error.details;
        swapRoom(isObject(details) ? details.room : undefined, 'roomid', ids);
      }
      return;
    case 'transient':
      if (isObject(frame.transient) && remote !== '') {
        swapSession(
          frame.transient,
          'key',
          SESSION_DATA_PREFIX + remote,
          SESSION_DATA_PREFIX + local,
        );
      }
      return;
  }
}

/** Rewrites a frame of the local client in place for the remote server. */
export function rewriteOutgoing(frame: Json, ids: RewriteIds): void {
  const { localSessionId: local, remoteSessionId: remote } = ids;
  if (remote === '') {
    return;
  }
  if (frame.type === 'message' && isObject(frame.message)) {
    swapSessionTarget(frame.message.recipient, local, remote);
  } else if (frame.type === 'transient' && isObject(frame.transient)) {
    swapSession(frame.transient, 'key', SESSION_DATA_PREFIX + local, SESSION_DATA_PREFIX + remote);
  }
}
