import {
  isObject,
  type MessageRequest,
  type MessageSender,
  Permissions,
  type Recipient,
  type ServerMessage,
} from '@spreed-ts/protocol';
import type { Logger } from '../logger.js';
import type { Participant } from './participant.js';
import type { Router } from './router.js';
import { type NotInSameCall, whyNotInSameCall } from './same-call.js';

/** `message` (peer-to-peer data) or `control` (moderation commands). */
export type RelayType = 'message' | 'control';

/** A `message`/`control` on its way to one session, as it travels between servers. */
export interface SessionRelay {
  relay: RelayType;
  /** Backend id of the sender (messages and control only reach sessions of the same backend). */
  backend: string;
  sender: MessageSender;
  data: unknown;
  /** `data` as received, when known (passed between servers as it is). */
  dataJson?: string;
}

/** A frame for all sessions of some users, as it travels between servers. */
export interface UserRelay {
  backend: string;
  users: string[];
  /** Public id of the sender, who never gets its own message. */
  except: string;
  text: string;
  nick: boolean;
}

/** How messaging reaches sessions on the other servers of a cluster. */
export interface MessagingCluster {
  /** Whether other servers exist. */
  readonly active: boolean;
  /** A message for session `to`, which is not on this server. */
  toSession(to: string, relay: SessionRelay): void;
  /** A frame for the sessions of users on the other servers. */
  toUsers(relay: UserRelay): void;
}

/** The `sender` of a relayed frame; `userid` left out for anonymous senders. */
export function senderOf(sender: Participant, recipientType: Recipient['type']): MessageSender {
  const userId = sender.userId;
  return userId === ''
    ? { type: recipientType, sessionid: sender.publicId }
    : { type: recipientType, sessionid: sender.publicId, userid: userId };
}

function isNickChange(type: RelayType, data: unknown): boolean {
  return type === 'message' && isObject(data) && data.type === 'nickChanged';
}

function relayFrame(
  type: RelayType,
  sender: MessageSender,
  data: unknown,
  recipient?: Recipient,
): ServerMessage {
  const body = { sender, ...(recipient === undefined ? {} : { recipient }), data };
  return type === 'message' ? { type, message: body } : { type, control: body };
}

/**
 * The serialised relay frame. With `dataJson` (the data as it arrived) the frame is assembled
 * around it, in the same key order as {@link relayFrame}, instead of serialising the data again.
 */
export function relayFrameText(
  type: RelayType,
  sender: MessageSender,
  data: unknown,
  dataJson: string | undefined,
  recipient?: Recipient,
): string {
  if (dataJson === undefined) {
    return JSON.stringify(relayFrame(type, sender, data, recipient));
  }
  const shown = recipient === undefined ? '' : `"recipient":${JSON.stringify(recipient)},`;
  return `{"type":"${type}","${type}":{"sender":${JSON.stringify(sender)},${shown}"data":${dataJson}}}`;
}

/**
 * Relays `message` and `control` requests (upstream's processMessageMsg / processControlMsg
 * without an SFU): nothing is answered, undeliverable messages are dropped silently. Without an SFU
 * WebRTC signaling (offer, answer, candidate, …) is just relayed between the peers. In a cluster,
 * recipients on other servers are reached through the {@link MessagingCluster}.
 */
export class Messaging {
  readonly #router: Router;
  readonly #logger: Logger;
  readonly #cluster: MessagingCluster | undefined;

  constructor(router: Router, logger: Logger, cluster?: MessagingCluster) {
    this.#router = router;
    this.#logger = logger;
    this.#cluster = cluster;
  }

  /** A `message` request. */
  handleMessage(sender: Participant, request: MessageRequest): void {
    this.#relay('message', sender, request);
  }

  /** A `control` request: only internal clients and sessions with the `control` permission. */
  handleControl(sender: Participant, request: MessageRequest): void {
    if (!sender.isInternal && !sender.hasPermission(Permissions.control)) {
      this.#logger.debug('control message without permission ignored', {
        session: sender.publicId,
      });
      return;
    }
    this.#relay('control', sender, request);
  }

  /** Why `sender` and `recipientId` are not in the same call (undefined when they are). */
  whyNotInSameCall(sender: Participant, recipientId: string): NotInSameCall | undefined {
    return whyNotInSameCall(sender, recipientId, (id) => this.#router.lookup(id));
  }

  /**
   * Delivers a message to session `to` if it is on this server (a client session, or a virtual
   * session whose internal client gets it). Returns false when the session is not here.
   */
  deliverToSession(to: string, relay: SessionRelay): boolean {
    const target = this.#router.member(to);
    if (target === undefined) {
      return false;
    }
    const owner = target.kind === 'virtual' ? target.owner : target;
    // Neither messages nor control reach sessions of another backend (upstream checks only
    // messages; a control permission granted by one Nextcloud must not reach another's users).
    if (owner.session.backend.id !== relay.backend) {
      return true;
    }
    const nickChanged = isNickChange(relay.relay, relay.data);
    // The internal client sees the id it chose for its virtual session.
    const shown: Recipient | undefined =
      target.kind === 'virtual'
        ? { type: 'session', sessionid: target.clientSessionId }
        : undefined;
    const text = relayFrameText(relay.relay, relay.sender, relay.data, relay.dataJson, shown);
    this.#router.deliver([owner], { kind: 'text', text, nickChanged });
    return true;
  }

  /** Delivers a frame from another server to the sessions of some users here. */
  deliverToUsers(relay: UserRelay): void {
    const receivers = this.#router.userSessions(relay.backend, new Set(relay.users), relay.except);
    this.#router.deliver(receivers, { kind: 'text', text: relay.text, nickChanged: relay.nick });
  }

  #relay(type: RelayType, sender: Participant, request: MessageRequest): void {
    const recipient = request.recipient;
    switch (recipient.type) {
      case 'session': {
        if (recipient.sessionid === sender.publicId) {
          return;
        }
        const relay: SessionRelay = {
          relay: type,
          backend: sender.session.backend.id,
          sender: senderOf(sender, recipient.type),
          data: request.data,
        };
        if (request.dataJson !== undefined) {
          relay.dataJson = request.dataJson;
        }
        if (this.deliverToSession(recipient.sessionid, relay)) {
          return;
        }
        if (this.#cluster?.active) {
          this.#cluster.toSession(recipient.sessionid, relay);
          return;
        }
        this.#logger.debug('message to unknown session dropped', { session: sender.publicId });
        return;
      }
      case 'user': {
        if (recipient.userid === sender.userId) {
          return;
        }
        const backend = sender.session.backend.id;
        const receivers = this.#router.userSessions(
          backend,
          new Set([recipient.userid]),
          sender.publicId,
        );
        const text = relayFrameText(
          type,
          senderOf(sender, recipient.type),
          request.data,
          request.dataJson,
        );
        const nickChanged = isNickChange(type, request.data);
        this.#router.deliver(receivers, { kind: 'text', text, nickChanged });
        if (this.#cluster?.active) {
          this.#cluster.toUsers({
            backend,
            users: [recipient.userid],
            except: sender.publicId,
            text,
            nick: nickChanged,
          });
        }
        return;
      }
      case 'room':
      case 'call': {
        const room = sender.room;
        if (room === undefined) {
          return;
        }
        const call = recipient.type === 'call';
        const receivers = [...room.participants()].filter(
          (p) => p !== sender && (!call || room.isInCall(p)),
        );
        const text = relayFrameText(
          type,
          senderOf(sender, recipient.type),
          request.data,
          request.dataJson,
        );
        const nickChanged = isNickChange(type, request.data);
        this.#router.deliver(receivers, { kind: 'text', text, nickChanged });
        room.relay(call, sender.publicId, text, nickChanged);
        return;
      }
    }
  }
}
