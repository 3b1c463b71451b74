import {
  ErrorCodes,
  type MessageRequest,
  type ServerMessage,
  SignalingError,
  type WireError,
} from '@spreed-ts/protocol';
import type { ClientSession } from '../hub/client-session.js';
import type { Logger } from '../logger.js';
import { SfuPermissionError, SfuUnreachablePublisherError } from './errors.js';
import { checkMcuData, decodeMcuData, type McuData, type StreamType } from './mcu-data.js';
import { checkAllowedToSend, checkOfferType } from './permissions.js';
import { type CandidateFilter, isCandidateFiltered } from './sdp.js';
import { mcuFrame, mcuFrameData, SessionMedia } from './session-media.js';
import type { JsonMap, Sfu, SfuClient } from './sfu.js';
import { type SfuLifecycle, type SfuRoomsView, SfuSessionLifecycle } from './sfu-lifecycle.js';

/** Upstream's delay before the screen publisher is closed after `unshareScreen`. */
export const SCREEN_CLOSE_DELAY_MS = 1_000;

/** Options of {@link SfuMessageRouter}. */
export interface SfuMessageRouterOptions {
  sfu: Sfu;
  view: SfuRoomsView;
  /** `[app] allowsubscribeany`. */
  allowSubscribeAny: () => boolean;
  /** `[mcu] allowedcandidates` / `blockedcandidates`. */
  filter: () => CandidateFilter;
  /** Whether the session talks to the SFU (it was told `mcu` in its hello). */
  usesSfu: (session: ClientSession) => boolean;
  logger: Logger;
  screenCloseDelayMs?: number;
  /**
   * Passes a `sendoffer` for a session that is not here to the other servers of a cluster
   * (`data` as the client sent it); returns false when there are none.
   */
  relaySendOffer?: (to: string, from: string, backend: string, data: unknown) => boolean;
}

const NOT_FOUND: WireError = {
  code: ErrorCodes.clientNotFound,
  message: 'No MCU client found to send message to.',
};
const FAILED: WireError = {
  code: ErrorCodes.processingFailed,
  message: 'Processing of the message failed, please check server logs.',
};

function notAllowed(message: string, details: JsonMap): WireError {
  return { code: ErrorCodes.notAllowed, message, details };
}

/** `client_not_found`, with upstream's message, and with details when we know more. */
function notFound(err: unknown): WireError {
  return err instanceof SfuUnreachablePublisherError
    ? { ...NOT_FOUND, details: err.details }
    : NOT_FOUND;
}

function permissionDetails(err: SfuPermissionError): JsonMap {
  return { reason: 'missing permission', permission: err.permission };
}

/**
 * Upstream's processMcuMessage for `message` requests of sessions that use the SFU: offers to
 * one's own session publish, `requestoffer` subscribes, `sendoffer` pushes a screen to the
 * recipient, answers, candidates and stream selection reach the right publisher or subscriber,
 * and the replies (`answer`, `offer`, candidates) come back as `message` frames. Errors are sent
 * as upstream does (`not_allowed` with a `details` object saying why, `client_not_found`,
 * `processing_failed`, `invalid_sdp`, …). Messages that are not for the SFU are handed to `relay`.
 */
export class SfuMessageRouter {
  readonly #o: SfuMessageRouterOptions;
  readonly #lifecycle: SfuSessionLifecycle;

  constructor(options: SfuMessageRouterOptions) {
    this.#o = options;
    this.#lifecycle = new SfuSessionLifecycle(options.view, options.logger, (session) => {
      return new SessionMedia(session, options.sfu, options.logger);
    });
  }

  /** Session lifecycle hooks (left the call or room, permissions changed, closed). */
  get lifecycle(): SfuLifecycle {
    return this.#lifecycle;
  }

  /**
   * A `message` request of `session`. Returns a promise when later messages of the session must
   * wait for it (creating a publisher), as upstream processes them in order.
   */
  handleMessage(
    session: ClientSession,
    id: string | undefined,
    request: MessageRequest,
    relay: () => Promise<void> | undefined,
  ): Promise<void> | undefined {
    if (!this.#o.usesSfu(session)) {
      return relay();
    }
    const recipient = request.recipient;
    if (recipient.type === 'user') {
      return relay();
    }
    if (recipient.type !== 'session' && this.#o.view.callState(session).room === undefined) {
      // Room and call messages of a session in no room are dropped; upstream checks nothing.
      return relay();
    }
    const data = decodeMcuData(request.data);
    if (data === undefined) {
      return relay();
    }
    try {
      checkMcuData(data);
    } catch (err) {
      if (err instanceof SignalingError) {
        this.#o.logger.debug('invalid mcu message', {
          session: session.publicId,
          error: err.message,
        });
        this.#send(session, id, err.toWire());
        return undefined;
      }
      throw err;
    }
    if (recipient.type !== 'session') {
      return relay();
    }
    const to = recipient.sessionid;
    switch (data.type) {
      case 'requestoffer':
        void this.#requestOffer(session, id, to, data);
        return undefined;
      case 'offer':
        return this.#offer(session, id, data);
      case 'answer':
      case 'candidate':
      case 'endOfCandidates':
      case 'selectStream':
        this.#toClient(session, id, to, data);
        return undefined;
      case 'sendoffer':
        this.#sendOffer(session, id, to, data, request.data);
        return undefined;
      case 'unshareScreen':
        if (to === session.publicId) {
          this.#scheduleScreenClose(session);
        }
        return relay();
      default:
        return relay();
    }
  }

  #send(session: ClientSession, id: string | undefined, error: WireError): void {
    const message: ServerMessage =
      id === undefined ? { type: 'error', error } : { id, type: 'error', error };
    session.send(message);
  }

  /** Sends the client's reply: an answer from its own session, an offer from the publisher. */
  #respond(
    session: ClientSession,
    client: SfuClient,
    from: string,
    data: McuData,
    response: JsonMap | undefined,
  ): void {
    if (response === undefined || Object.keys(response).length === 0) {
      return;
    }
    const own = session.publicId;
    switch (response.type) {
      case 'answer': {
        const body = mcuFrameData(own, own, 'answer', data.roomType, response, client.sid);
        session.send(mcuFrame(own, body, this.#o.view.userId(session)));
        return;
      }
      case 'offer': {
        const body = mcuFrameData(own, from, 'offer', data.roomType, response, client.sid);
        session.send(mcuFrame(from, body));
        return;
      }
      default:
        this.#o.logger.warn('unsupported sfu response dropped', { session: own });
    }
  }

  /** Runs `client.handle`, answering with the response or `processing_failed`. */
  #dispatch(
    session: ClientSession,
    id: string | undefined,
    client: SfuClient,
    from: string,
    data: McuData,
    replyTo: ClientSession = session,
  ): void {
    client.handle(data).then(
      (response) => this.#respond(replyTo, client, from, data, response),
      (err: unknown) => {
        this.#o.logger.warn('sfu message failed', {
          session: session.publicId,
          type: data.type,
          client: client.id,
          error: String(err),
        });
        this.#send(session, id, FAILED);
      },
    );
  }

  async #offer(session: ClientSession, id: string | undefined, data: McuData): Promise<void> {
    const media = this.#lifecycle.media(session);
    const has = (p: string) => this.#o.view.hasPermission(session, p);
    let publisher: SfuClient;
    try {
      const mediaTypes = checkOfferType(data, has);
      publisher = await media.getOrCreatePublisher(data.roomType as StreamType, data.sid, {
        bitrate: backendCap(session, data),
        mediaTypes,
        audiocodec: data.audiocodec,
        videocodec: data.videocodec,
        vp9profile: data.vp9profile,
        h264profile: data.h264profile,
      });
    } catch (err) {
      if (err instanceof SfuPermissionError) {
        this.#o.logger.info('offer not allowed', {
          session: session.publicId,
          roomType: data.roomType,
          permission: err.permission,
        });
        this.#send(session, id, notAllowed('Not allowed to publish.', permissionDetails(err)));
        return;
      }
      this.#o.logger.warn('could not create publisher', {
        session: session.publicId,
        roomType: data.roomType,
        error: String(err),
      });
      this.#send(session, id, NOT_FOUND);
      return;
    }
    this.#dispatch(session, id, publisher, session.publicId, data);
  }

  async #requestOffer(
    session: ClientSession,
    id: string | undefined,
    to: string,
    data: McuData,
  ): Promise<void> {
    if (to === session.publicId) {
      return;
    }
    if (!this.#o.allowSubscribeAny()) {
      const why = this.#o.view.whyNotInSameCall(session, to);
      if (why !== undefined) {
        this.#o.logger.info('requestoffer not allowed', {
          session: session.publicId,
          recipient: to,
          why,
        });
        this.#send(session, id, notAllowed('Not allowed to request offer.', { reason: why }));
        return;
      }
    }
    let subscriber: SfuClient;
    try {
      subscriber = await this.#lifecycle
        .media(session)
        .getOrCreateSubscriber(to, data.roomType as StreamType);
    } catch (err) {
      this.#o.logger.info('could not create subscriber', {
        session: session.publicId,
        publisher: to,
        roomType: data.roomType,
        error: String(err),
      });
      this.#send(session, id, notFound(err));
      return;
    }
    this.#dispatch(session, id, subscriber, to, data);
  }

  /** answer, candidate, endOfCandidates, selectStream: to the own publisher or a subscriber. */
  #toClient(session: ClientSession, id: string | undefined, to: string, data: McuData): void {
    const own = to === session.publicId;
    if (data.type === 'selectStream' && own) {
      return;
    }
    if (
      data.type === 'candidate' &&
      data.candidate !== undefined &&
      isCandidateFiltered(data.candidate, this.#o.filter())
    ) {
      return;
    }
    const media = this.#lifecycle.existing(session);
    let client: SfuClient | undefined;
    if (own && data.type !== 'selectStream') {
      try {
        checkAllowedToSend(data, (p) => this.#o.view.hasPermission(session, p));
      } catch (err) {
        if (err instanceof SfuPermissionError) {
          this.#send(
            session,
            id,
            notAllowed('Not allowed to send candidate.', permissionDetails(err)),
          );
          return;
        }
        throw err;
      }
      client = media?.publisher(data.roomType);
    } else {
      client = media?.subscriber(to, data.roomType);
    }
    if (client === undefined) {
      this.#o.logger.debug('no sfu client for message', {
        session: session.publicId,
        type: data.type,
        recipient: to,
      });
      this.#send(session, id, NOT_FOUND);
      return;
    }
    this.#dispatch(session, id, client, to, data);
  }

  /** A screen sharer pushes an offer of its screen to `to` (upstream's sendoffer branch). */
  #sendOffer(
    session: ClientSession,
    id: string | undefined,
    to: string,
    data: McuData,
    raw: unknown,
  ): void {
    if (to === session.publicId) {
      return;
    }
    const recipient = this.#o.view.recipient(to);
    if (recipient !== undefined && recipient.backend.id !== session.backend.id) {
      // Another backend: dropped.
      return;
    }
    try {
      checkAllowedToSend(data, (p) => this.#o.view.hasPermission(session, p));
    } catch (err) {
      if (err instanceof SfuPermissionError) {
        this.#send(session, id, notAllowed('Not allowed to send offer', permissionDetails(err)));
        return;
      }
      throw err;
    }
    const from = session.publicId;
    if (recipient === undefined) {
      // Not here: in a cluster, a member of one of our rooms on another server gets it there.
      if (this.#o.view.whyNotInSameCall(session, to) !== 'recipient unknown') {
        this.#o.relaySendOffer?.(to, from, session.backend.id, raw);
      }
      return;
    }
    this.#lifecycle
      .media(recipient)
      .getOrCreateSubscriber(from, data.roomType as StreamType)
      .then(
        (subscriber) => this.#dispatch(session, id, subscriber, from, data, recipient),
        (err: unknown) => {
          this.#o.logger.info('could not create subscriber for sendoffer', {
            session: from,
            recipient: recipient.publicId,
            error: String(err),
          });
          this.#send(session, id, notFound(err));
        },
      );
  }

  /**
   * A `sendoffer` of `from` on another server for `to`: when `to` is here (same backend), it is
   * subscribed to `from`'s stream and gets the offer. The sender's server checked its permission;
   * failures are only logged (the sender is elsewhere).
   */
  handleRemoteSendOffer(to: string, from: string, backend: string, raw: unknown): void {
    const recipient = this.#o.view.recipient(to);
    if (recipient === undefined || recipient.backend.id !== backend) {
      return;
    }
    const data = decodeMcuData(raw);
    if (data === undefined || data.type !== 'sendoffer') {
      return;
    }
    try {
      checkMcuData(data);
    } catch {
      return;
    }
    const failed = (err: unknown) =>
      this.#o.logger.info('could not subscribe for a sendoffer from another server', {
        session: from,
        recipient: to,
        error: String(err),
      });
    this.#lifecycle
      .media(recipient)
      .getOrCreateSubscriber(from, data.roomType as StreamType)
      .then((subscriber) =>
        subscriber.handle(data).then((response) => {
          this.#respond(recipient, subscriber, from, data, response);
        }),
      )
      .catch(failed);
  }

  #scheduleScreenClose(session: ClientSession): void {
    // Some browsers do not clean up the screen connection; stop publishing it a moment later.
    const timer = setTimeout(() => {
      if (session.closed) {
        return;
      }
      this.#lifecycle.existing(session)?.closePublisher('screen', 'unshareScreen');
    }, this.#o.screenCloseDelayMs ?? SCREEN_CLOSE_DELAY_MS);
    timer.unref();
  }
}

/**
 * The bitrate a new publisher asks for, capped by the backend's `maxstreambitrate` /
 * `maxscreenbitrate` (the SFU then applies `[mcu]`'s own cap).
 */
function backendCap(session: ClientSession, data: McuData): number {
  const max =
    data.roomType === 'screen'
      ? session.backend.maxScreenBitrate
      : session.backend.maxStreamBitrate;
  if (data.bitrate <= 0) {
    return max;
  }
  return max > 0 && data.bitrate > max ? max : data.bitrate;
}
