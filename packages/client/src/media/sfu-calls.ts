import type { SignalingError } from '@spreed-ts/protocol';
import { hasStreams, type Participant, type Roster } from '../signaling/roster.js';
import { ClientError } from '../util/client-error.js';
import { isObject } from '../util/json.js';
import type { CallSignal, Sid } from './call-signals.js';
import { type MediaContext, peerKey } from './media-context.js';
import { Peer, type PeerOptions } from './peer.js';

/** Which simulcast layer (and media) a subscription should forward; see `selectStream`. */
export interface StreamSelection {
  /** Simulcast layer: 0 lowest resolution … 2 highest. */
  substream?: number;
  /** Temporal layer (frame rate): 0 lowest … 2 highest. */
  temporal?: number;
  audio?: boolean;
  video?: boolean;
}

interface OfferRequest {
  timer: ReturnType<typeof setInterval>;
  attempts: number;
}

/**
 * Calls through an SFU (the signaling server's `mcu` feature), following the Talk web client and
 * the rules the signaling server enforces:
 * - nothing happens until our own session is listed in the call (a `participants/update` entry
 *   with our signaling session id and in-call bit 1): before that the server refuses
 *   `requestoffer` with `not_allowed`;
 * - with streams of our own we publish: an offer to OUR OWN session id, answered by the SFU,
 *   re-sent every 10 s until the answer comes;
 * - for every other participant in the call with audio or video we send `requestoffer` to their
 *   SIGNALING session id (never their Talk session id), repeated every 10 s until their offer
 *   arrives; the answer and our candidates go to the PUBLISHER's session id;
 * - offers without `sid` (older servers) are accepted; an offer with the `sid` of an existing
 *   subscription is a renegotiation (`update-sdp`) and is answered in place.
 */
export class SfuCalls {
  readonly #ctx: MediaContext;
  readonly #subscribers = new Map<string, Peer>();
  readonly #requests = new Map<string, OfferRequest>();
  #publisher: Peer | undefined;
  #screen: Peer | undefined;
  #screenTimer: ReturnType<typeof setTimeout> | undefined;
  /** Sessions our screen was offered to (`sendoffer`). */
  readonly #screenOfferedTo = new Set<string>();
  #publisherTimer: ReturnType<typeof setTimeout> | undefined;
  #roster: Roster | undefined;
  #closed = false;

  constructor(ctx: MediaContext) {
    this.#ctx = ctx;
  }

  /** Our publisher, once created. */
  get publisher(): Peer | undefined {
    return this.#publisher;
  }

  /** Our screen publisher, while sharing. */
  get screenPublisher(): Peer | undefined {
    return this.#screen;
  }

  /** Subscriptions by publisher session id and room type. */
  get subscribers(): ReadonlyMap<string, Peer> {
    return this.#subscribers;
  }

  /** Sessions we are waiting for an offer from. */
  get pendingRequests(): string[] {
    return [...this.#requests.keys()];
  }

  /** Re-evaluates publishing and subscriptions after a roster change. */
  sync(roster: Roster): void {
    this.#roster = roster;
    if (this.#closed) {
      return;
    }
    if (!roster.selfInCall) {
      this.#closeAll();
      return;
    }
    if (this.#ctx.publishing && this.#publisher === undefined) {
      this.#publish();
    }
    if (this.#ctx.screenTrack !== undefined && this.#screen === undefined) {
      this.#publishScreen();
    }
    this.#offerScreen(roster);
    const wanted = new Map(
      roster
        .othersInCall()
        .filter((p) => wantsSubscription(p))
        .map((p) => [p.sessionId, p]),
    );
    for (const [key, peer] of this.#subscribers) {
      if (!wanted.has(peer.remoteId)) {
        this.#subscribers.delete(key);
        peer.close();
      }
    }
    for (const id of this.#requests.keys()) {
      if (!wanted.has(id)) {
        this.#cancelRequest(id);
      }
    }
    for (const id of wanted.keys()) {
      if (!this.#subscribers.has(peerKey(id, 'video')) && !this.#requests.has(id)) {
        this.#requestOffer(id);
      }
    }
  }

  /** Handles an offer, answer or candidate from `from`. */
  handleSignal(from: string, signal: CallSignal): void {
    if (this.#closed) {
      return;
    }
    const own = this.#ctx.ownSessionId;
    switch (signal.type) {
      case 'offer':
        if (from !== own) {
          this.#onOffer(from, signal.roomType, signal.sid, signal.sdp);
        }
        return;
      case 'answer':
        if (from === own && signal.roomType === 'screen' && this.#screen !== undefined) {
          clearTimeout(this.#screenTimer);
          this.#screenTimer = undefined;
          void this.#screen.acceptAnswer(signal.sdp);
        } else if (from === own && this.#publisher !== undefined) {
          clearTimeout(this.#publisherTimer);
          this.#publisherTimer = undefined;
          void this.#publisher.acceptAnswer(signal.sdp);
        }
        return;
      case 'candidate': {
        const mine = signal.roomType === 'screen' ? this.#screen : this.#publisher;
        const peer = from === own ? mine : this.#subscribers.get(peerKey(from, signal.roomType));
        void peer?.addRemoteCandidate(signal.candidate);
        return;
      }
      case 'unshareScreen': {
        const key = peerKey(from, 'screen');
        this.#subscribers.get(key)?.close();
        this.#subscribers.delete(key);
        return;
      }
      default:
        return;
    }
  }

  /** A `requestoffer` (or publish) refused by the server: say why; the retry timer goes on. */
  handleMessageError(error: SignalingError, data: unknown): void {
    if (!isObject(data)) {
      return;
    }
    const to = typeof data.to === 'string' ? data.to : undefined;
    if (data.type === 'requestoffer') {
      const hint =
        error.code === 'not_allowed'
          ? ' (the server does not list both of us in the call yet)'
          : error.code === 'client_not_found'
            ? ' (that participant is not publishing yet)'
            : '';
      this.#ctx.warn(`requestoffer refused: ${error.code}${hint}; retrying`);
    } else if (to === this.#ctx.ownSessionId && data.type === 'offer') {
      this.#ctx.warn(`publishing refused: ${error.code} (${error.message})`);
    }
  }

  /**
   * Asks the SFU to forward another simulcast layer (or only some media) of `publisherId`'s
   * `roomType` stream to us. Returns false when we have no such subscription; throws
   * `ClientError('invalid_state')` for a layer other than 0, 1 or 2.
   */
  selectStream(publisherId: string, selection: StreamSelection, roomType = 'video'): boolean {
    const peer = this.#subscribers.get(peerKey(publisherId, roomType));
    if (peer === undefined || peer.isClosed) {
      return false;
    }
    const payload: Record<string, number | boolean> = {};
    for (const key of ['substream', 'temporal'] as const) {
      const value = selection[key];
      if (value !== undefined) {
        if (!Number.isInteger(value) || value < 0 || value > 2) {
          throw new ClientError('invalid_state', `${key} must be 0, 1 or 2 (got ${value})`);
        }
        payload[key] = value;
      }
    }
    for (const key of ['audio', 'video'] as const) {
      const value = selection[key];
      if (typeof value === 'boolean') {
        payload[key] = value;
      }
    }
    this.#ctx.send(publisherId, {
      to: publisherId,
      type: 'selectStream',
      roomType,
      ...(peer.sid === undefined ? {} : { sid: peer.sid }),
      payload,
    });
    return true;
  }

  /** Closes publisher and subscribers; idempotent. */
  close(): void {
    this.#closed = true;
    this.#closeAll();
  }

  /** A publisher of `roomType` to our own session (the SFU answers for it), not yet offered. */
  #newPublisher(
    roomType: 'video' | 'screen',
    tracks: Pick<PeerOptions, 'localTrack' | 'localVideoTrack' | 'simulcast'>,
  ): Peer {
    const ctx = this.#ctx;
    return new Peer({
      stack: ctx.stack,
      iceServers: ctx.iceServers,
      role: 'publisher',
      remoteId: ctx.ownSessionId,
      roomType,
      sid: String(Date.now()),
      ...tracks,
      nick: ctx.nick,
      send: (to, data) => ctx.send(to, data),
      logger: ctx.logger,
    });
  }

  #publish(): void {
    const ctx = this.#ctx;
    const peer = this.#newPublisher('video', {
      localTrack: ctx.localTrack,
      localVideoTrack: ctx.localVideoTrack,
      simulcast: ctx.simulcast,
    });
    this.#publisher = peer;
    peer.on('failed', () => this.#republish(peer, 'ICE failed'));
    ctx.adopt(peer);
    void peer.makeOffer();
    // Like the web client: no answer within 10 s → try again with a new publisher.
    this.#publisherTimer = setTimeout(() => this.#republish(peer, 'no answer'), ctx.retryMs);
    this.#publisherTimer.unref?.();
  }

  /**
   * Publishes our screen like the Talk web client: a `screen` publisher to our own session; once
   * it is up, every participant in the call gets it pushed (`sendoffer`, see {@link #offerScreen}),
   * because they cannot know when to ask for it.
   */
  #publishScreen(): void {
    const ctx = this.#ctx;
    const peer = this.#newPublisher('screen', {
      localTrack: undefined,
      localVideoTrack: ctx.screenTrack,
    });
    this.#screen = peer;
    this.#screenOfferedTo.clear();
    const again = (why: string): void => {
      if (this.#closed || this.#screen !== peer) {
        return;
      }
      this.#ctx.logger.debug(`screen publisher: ${why}; publishing again`);
      clearTimeout(this.#screenTimer);
      this.#screen = undefined;
      peer.close();
      if (this.#roster?.selfInCall === true) {
        this.sync(this.#roster);
      }
    };
    peer.on('failed', () => again('ICE failed'));
    peer.on('connected', () => {
      if (this.#roster !== undefined) {
        this.#offerScreen(this.#roster);
      }
    });
    ctx.adopt(peer);
    void peer.makeOffer();
    this.#screenTimer = setTimeout(() => again('no answer'), ctx.retryMs);
    this.#screenTimer.unref?.();
  }

  /** `sendoffer` of our screen to everybody in the call who did not get it yet. */
  #offerScreen(roster: Roster): void {
    const screen = this.#screen;
    if (screen === undefined || !screen.connected) {
      return;
    }
    const inCall = new Set(roster.othersInCall().map((p) => p.sessionId));
    for (const id of this.#screenOfferedTo) {
      if (!inCall.has(id)) {
        this.#screenOfferedTo.delete(id);
      }
    }
    for (const id of inCall) {
      if (!this.#screenOfferedTo.has(id)) {
        this.#screenOfferedTo.add(id);
        this.#ctx.send(id, { to: id, type: 'sendoffer', roomType: 'screen' });
      }
    }
  }

  #republish(peer: Peer, why: string): void {
    if (this.#closed || this.#publisher !== peer) {
      return;
    }
    this.#ctx.logger.debug(`publisher: ${why}; publishing again`);
    clearTimeout(this.#publisherTimer);
    this.#publisher = undefined;
    peer.close();
    if (this.#roster?.selfInCall === true) {
      this.#publish();
    }
  }

  #requestOffer(publisherId: string): void {
    const send = (): void => {
      const request = this.#requests.get(publisherId);
      if (request !== undefined) {
        request.attempts++;
      }
      // The target is the publisher's SIGNALING session id; audio only is enough for us.
      this.#ctx.send(publisherId, {
        type: 'requestoffer',
        roomType: 'video',
        ...(this.#ctx.receiveVideo ? {} : { payload: { audio: true, video: false } }),
      });
    };
    const timer = setInterval(send, this.#ctx.retryMs);
    timer.unref?.();
    this.#requests.set(publisherId, { timer, attempts: 0 });
    send();
  }

  #cancelRequest(publisherId: string): void {
    const request = this.#requests.get(publisherId);
    if (request !== undefined) {
      clearInterval(request.timer);
      this.#requests.delete(publisherId);
    }
  }

  #onOffer(from: string, roomType: string, sid: Sid | undefined, sdp: string): void {
    const key = peerKey(from, roomType);
    if (roomType === 'video') {
      this.#cancelRequest(from);
    }
    const existing = this.#subscribers.get(key);
    if (
      existing !== undefined &&
      !existing.isClosed &&
      (sid === undefined || existing.sid === undefined || existing.sid === sid)
    ) {
      void existing.acceptOffer(sdp, sid);
      return;
    }
    existing?.close();
    const ctx = this.#ctx;
    const peer = new Peer({
      stack: ctx.stack,
      iceServers: ctx.iceServers,
      role: 'subscriber',
      remoteId: from,
      roomType,
      sid,
      localTrack: undefined,
      receiveVideo: ctx.receiveVideo,
      nick: ctx.nick,
      send: (to, data) => ctx.send(to, data),
      logger: ctx.logger,
    });
    this.#subscribers.set(key, peer);
    peer.on('failed', () => {
      if (this.#subscribers.get(key) !== peer) {
        return;
      }
      this.#subscribers.delete(key);
      peer.close();
      if (roomType === 'video' && this.#roster !== undefined) {
        this.sync(this.#roster);
      }
    });
    ctx.adopt(peer);
    void peer.acceptOffer(sdp, sid);
  }

  #closeAll(): void {
    clearTimeout(this.#publisherTimer);
    this.#publisherTimer = undefined;
    this.#publisher?.close();
    this.#publisher = undefined;
    clearTimeout(this.#screenTimer);
    this.#screenTimer = undefined;
    this.#screen?.close();
    this.#screen = undefined;
    this.#screenOfferedTo.clear();
    for (const peer of this.#subscribers.values()) {
      peer.close();
    }
    this.#subscribers.clear();
    for (const id of [...this.#requests.keys()]) {
      this.#cancelRequest(id);
    }
  }
}

/** Whether to subscribe to a participant: in the call with audio or video, not an internal client. */
function wantsSubscription(p: Participant): boolean {
  return hasStreams(p.inCall) && p.internal !== true;
}
