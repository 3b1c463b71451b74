import {
  isObject,
  type MessageRequest,
  type MessageSender,
  Permissions,
  type Recipient,
  type ServerMessage,
} from '@spreed-ts/protocol';
import type { Logger } from '../logger.js';
import type { RoomEvent } from './events.js';
import type { Participant } from './participant.js';
import type { Router } from './router.js';
import { type NotInSameCall, whyNotInSameCall } from './same-call.js';

/** `message` (peer-to-peer data) or `control` (moderation commands). */
export type RelayType = 'message' | 'control';

/** The `sender` of a relayed frame; `userid` left out for anonymous senders. */
export function senderOf(sender: Participant, recipientType: Recipient['type']): MessageSender {
  const userId = sender.userId;
  return userId === ''
    ? { type: recipientType, sessionid: sender.publicId }
    : { type: recipientType, sessionid: sender.publicId, userid: userId };
}

/**
 * Relays `message` and `control` requests (upstream's processMessageMsg / processControlMsg
 * without an SFU): nothing is answered, undeliverable messages are dropped silently. Without an SFU
 * WebRTC signaling (offer, answer, candidate, …) is just relayed between the peers.
 */
export class Messaging {
  readonly #router: Router;
  readonly #logger: Logger;

  constructor(router: Router, logger: Logger) {
    this.#router = router;
    this.#logger = logger;
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

  #frame(
    type: RelayType,
    sender: Participant,
    request: MessageRequest,
    recipient?: Recipient,
  ): RoomEvent {
    const body = {
      sender: senderOf(sender, request.recipient.type),
      ...(recipient === undefined ? {} : { recipient }),
      data: request.data,
    };
    const message: ServerMessage =
      type === 'message' ? { type, message: body } : { type, control: body };
    const nickChanged =
      type === 'message' && isObject(request.data) && request.data.type === 'nickChanged';
    return { kind: 'relay', message, nickChanged };
  }

  #relay(type: RelayType, sender: Participant, request: MessageRequest): void {
    const recipient = request.recipient;
    switch (recipient.type) {
      case 'session': {
        if (recipient.sessionid === sender.publicId) {
          return;
        }
        const target = this.#router.member(recipient.sessionid);
        if (target === undefined) {
          // Would be published for other servers; on a single server the recipient is gone.
          this.#logger.debug('message to unknown session dropped', { session: sender.publicId });
          return;
        }
        const owner = target.kind === 'virtual' ? target.owner : target;
        // Messages (not control) only reach sessions of the sender's backend.
        if (type === 'message' && owner.session.backend.id !== sender.session.backend.id) {
          return;
        }
        if (target.kind === 'virtual') {
          // The internal client sees the id it chose for its virtual session.
          const shown: Recipient = { type: 'session', sessionid: target.clientSessionId };
          this.#router.deliver([owner], this.#frame(type, sender, request, shown));
          return;
        }
        this.#router.deliver([target], this.#frame(type, sender, request));
        return;
      }
      case 'user': {
        if (recipient.userid === sender.userId) {
          return;
        }
        const receivers = this.#router.userSessions(
          sender.session.backend.id,
          new Set([recipient.userid]),
          sender.publicId,
        );
        this.#router.deliver(receivers, this.#frame(type, sender, request));
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
        this.#router.deliver(receivers, this.#frame(type, sender, request));
        return;
      }
    }
  }
}
