import type { InternalRequest } from '@spreed-ts/protocol';
import type { Logger } from '../logger.js';
import type { Dialout } from './dialout.js';
import type { Participant } from './participant.js';
import type { VirtualSessions } from './virtual-sessions.js';

/**
 * `internal` requests of internal clients (upstream's processInternalMsg): virtual sessions, the
 * client's own in-call state and dial-out reports. Other sessions' internal requests are ignored;
 * nothing is answered on success.
 */
export class InternalMessages {
  readonly #virtuals: VirtualSessions;
  readonly #dialout: Dialout;
  readonly #logger: Logger;

  constructor(virtuals: VirtualSessions, dialout: Dialout, logger: Logger) {
    this.#virtuals = virtuals;
    this.#dialout = dialout;
    this.#logger = logger;
  }

  handle(
    p: Participant,
    id: string | undefined,
    request: InternalRequest,
  ): Promise<void> | undefined {
    if (!p.isInternal) {
      this.#logger.debug('internal message from a non-internal session ignored', {
        session: p.publicId,
      });
      return undefined;
    }
    if (id !== undefined && this.#dialout.consumeAnswer(p, id, request)) {
      return undefined;
    }
    switch (request.type) {
      case 'addsession':
        return this.#virtuals.add(p, id, request.addsession);
      case 'updatesession':
        this.#virtuals.update(p, request.updatesession);
        return undefined;
      case 'removesession':
        this.#virtuals.remove(p, id, request.removesession);
        return undefined;
      case 'incall': {
        const inCall = Math.max(0, request.incall.incall);
        if (inCall !== p.inCall) {
          p.inCall = inCall;
          p.room?.memberChanged(p, false, true);
        }
        return undefined;
      }
      case 'dialout':
        this.#dialout.handleMessage(p, request.dialout);
        return undefined;
    }
  }
}
