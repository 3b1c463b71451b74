import type { SignalingError } from '@spreed-ts/protocol';
import { hasStreams, type Roster } from '../signaling/roster.js';
import { EventEmitter } from '../util/event-emitter.js';
import { safeEmit } from '../util/safe-emit.js';
import type { CallSignal, Sid } from './call-signals.js';
import { type MediaContext, peerKey } from './media-context.js';
import { Peer } from './peer.js';

/** ICE restarts the offering side tries on a failed connection (Talk web client: 5). */
const MAX_ICE_RESTARTS = 5;

/** Fresh connections (new offer, new sid) tried per participant before reporting failure. */
export const MAX_CONNECT_ATTEMPTS = 3;

/** Events of {@link P2PCalls}. */
export type P2PCallsEvents = {
  /**
   * The connection with `remoteId` did not come up (`reason`); attempt `attempt` (from 2) of
   * {@link MAX_CONNECT_ATTEMPTS} is under way.
   */
  peerRetrying: [remoteId: string, attempt: number, reason: string];
  /** We gave up on `remoteId` (`reason`) until they rejoin the call or offer again. */
  peerFailed: [remoteId: string, reason: string];
};

/**
 * Peer-to-peer calls (no SFU), following the Talk web client's rules so that mixed calls with
 * browsers work:
 * - nothing happens until our own session is listed in the call;
 * - with streams of our own, we offer to participants without streams, and to those with streams
 *   whose session id is smaller than ours ("larger ids call smaller ones"); to the others we offer
 *   only if no offer came from them within 10 s;
 * - without streams we never offer: participants with streams call us;
 * - the offering side restarts ICE (up to 5 times) when the connection fails; an offer for an
 *   existing peer is a renegotiation (or the other side's ICE restart) and is answered in place,
 *   unless it carries a new `sid`: then the other side started over and so do we.
 *
 * Beyond the Talk web client, no connection is left waiting silently: a peer that is not
 * connected within `retryMs` (doubling per attempt) is replaced by a fresh offer, so an offer or
 * answer lost anywhere costs one retry; after {@link MAX_CONNECT_ATTEMPTS} we emit `peerFailed`
 * with the reason. A participant without streams of ours to answer (we do not publish) is only
 * watched and reported.
 */
export class P2PCalls extends EventEmitter<P2PCallsEvents> {
  readonly #ctx: MediaContext;
  readonly #peers = new Map<string, Peer>();
  readonly #fallbacks = new Map<string, ReturnType<typeof setTimeout>>();
  /** Connection attempts per remote session since the last success. */
  readonly #attempts = new Map<string, number>();
  readonly #watchdogs = new Map<Peer, ReturnType<typeof setTimeout>>();
  /** Remote sessions we gave up on (until they leave the call or offer again). */
  readonly #gaveUp = new Set<string>();
  #roster: Roster | undefined;
  #closed = false;

  constructor(ctx: MediaContext) {
    super();
    this.#ctx = ctx;
  }

  /** Peers by remote session id and room type. */
  get peers(): ReadonlyMap<string, Peer> {
    return this.#peers;
  }

  /** Re-evaluates who calls whom after a roster change. */
  sync(roster: Roster): void {
    this.#roster = roster;
    if (this.#closed) {
      return;
    }
    if (!roster.selfInCall) {
      this.#closePeers();
      return;
    }
    const inCall = new Map(roster.othersInCall().map((p) => [p.sessionId, p]));
    for (const [key, peer] of this.#peers) {
      if (!inCall.has(peer.remoteId)) {
        this.#drop(key, peer);
      }
    }
    for (const [id, timer] of this.#fallbacks) {
      if (!inCall.has(id)) {
        clearTimeout(timer);
        this.#fallbacks.delete(id);
      }
    }
    for (const id of [...this.#attempts.keys(), ...this.#gaveUp]) {
      if (!inCall.has(id)) {
        this.#attempts.delete(id);
        this.#gaveUp.delete(id);
      }
    }
    this.#shareScreen(inCall.keys());
    if (!this.#ctx.publishing) {
      return;
    }
    const own = this.#ctx.ownSessionId;
    for (const p of inCall.values()) {
      if (this.#peers.has(peerKey(p.sessionId, 'video')) || this.#gaveUp.has(p.sessionId)) {
        continue;
      }
      if (!hasStreams(p.inCall) || p.sessionId < own) {
        this.#call(p.sessionId);
      } else if (!this.#fallbacks.has(p.sessionId)) {
        const timer = setTimeout(() => {
          this.#fallbacks.delete(p.sessionId);
          const still = this.#roster?.get(p.sessionId);
          if (
            !this.#closed &&
            still !== undefined &&
            !this.#peers.has(peerKey(p.sessionId, 'video'))
          ) {
            this.#ctx.logger.debug(
              `no offer from ${p.sessionId} within ${this.#ctx.retryMs} ms; calling`,
            );
            this.#call(p.sessionId);
          }
        }, this.#ctx.retryMs);
        timer.unref?.();
        this.#fallbacks.set(p.sessionId, timer);
      }
    }
  }

  /** Handles an offer, answer or candidate from `from`. */
  handleSignal(from: string, signal: CallSignal): void {
    if (this.#closed) {
      return;
    }
    switch (signal.type) {
      case 'offer': {
        const key = peerKey(from, signal.roomType);
        clearTimeout(this.#fallbacks.get(from));
        this.#fallbacks.delete(from);
        this.#gaveUp.delete(from);
        let peer = this.#peers.get(key);
        if (peer !== undefined && peer.pc.signalingState === 'have-local-offer') {
          // Both sides offered: the larger session id's offer wins, like the call rule. Should
          // ours have been lost, our watchdog offers again.
          if (from < this.#ctx.ownSessionId) {
            this.#ctx.logger.debug(`glare with ${from}: our offer wins`);
            return;
          }
          this.#drop(key, peer);
          peer = undefined;
        } else if (
          peer !== undefined &&
          signal.sid !== undefined &&
          peer.sid !== undefined &&
          signal.sid !== peer.sid
        ) {
          // A new sid is a new connection from scratch (their retry), not a renegotiation.
          this.#drop(key, peer);
          peer = undefined;
        }
        if (peer === undefined) {
          peer = this.#create(from, signal.roomType, signal.sid);
        }
        void peer.acceptOffer(signal.sdp, signal.sid);
        return;
      }
      case 'answer':
        void this.#peers.get(peerKey(from, signal.roomType))?.acceptAnswer(signal.sdp);
        return;
      case 'candidate':
        void this.#peers.get(peerKey(from, signal.roomType))?.addRemoteCandidate(signal.candidate);
        return;
      case 'unshareScreen': {
        const key = peerKey(from, 'screen');
        const peer = this.#peers.get(key);
        if (peer !== undefined) {
          this.#drop(key, peer);
        }
        return;
      }
      default:
        return;
    }
  }

  /** P2P sends no `requestoffer`, so there are no message errors to handle. */
  handleMessageError(_error: SignalingError, _data: unknown): void {}

  /** Closes every peer; idempotent. */
  close(): void {
    this.#closed = true;
    this.#closePeers();
  }

  /** Deadline of connection attempt `attempt` (1-based): retryMs, doubling. */
  #deadline(attempt: number): number {
    return this.#ctx.retryMs * 2 ** (attempt - 1);
  }

  /** Watches a video peer until it connects; on timeout retries or reports. */
  #watch(key: string, peer: Peer): void {
    clearTimeout(this.#watchdogs.get(peer));
    const attempt = this.#attempts.get(peer.remoteId) ?? 1;
    const timer = setTimeout(() => {
      this.#watchdogs.delete(peer);
      if (this.#closed || this.#peers.get(key) !== peer || peer.connected) {
        return;
      }
      const state = peer.pc.signalingState === 'have-local-offer' ? 'no answer' : 'no connection';
      this.#retry(key, peer, `${state} within ${this.#deadline(attempt)} ms`);
    }, this.#deadline(attempt));
    timer.unref?.();
    this.#watchdogs.set(peer, timer);
  }

  /** Starts over with a fresh offer, or gives up after {@link MAX_CONNECT_ATTEMPTS}. */
  #retry(key: string, peer: Peer, reason: string): void {
    const remoteId = peer.remoteId;
    const attempt = (this.#attempts.get(remoteId) ?? 1) + 1;
    if (attempt > MAX_CONNECT_ATTEMPTS) {
      this.#drop(key, peer);
      this.#attempts.delete(remoteId);
      this.#gaveUp.add(remoteId);
      const why = `${reason} (after ${MAX_CONNECT_ATTEMPTS} attempts)`;
      this.#ctx.logger.debug(`giving up on the connection with ${remoteId}: ${why}`);
      safeEmit(this, undefined, 'peerFailed', remoteId, why);
      return;
    }
    this.#attempts.set(remoteId, attempt);
    safeEmit(this, undefined, 'peerRetrying', remoteId, attempt, reason);
    if (!this.#ctx.publishing) {
      // Receive-only: the other side offers; keep watching this peer for the next deadline.
      this.#watch(key, peer);
      return;
    }
    this.#ctx.logger.debug(`connection with ${remoteId}: ${reason}; new offer (${attempt})`);
    this.#drop(key, peer);
    this.#call(remoteId);
  }

  /** Sharing our screen: one `screen` peer per participant in the call, offered by us. */
  #shareScreen(inCall: Iterable<string>): void {
    if (this.#ctx.screenTrack === undefined) {
      return;
    }
    for (const id of inCall) {
      if (!this.#peers.has(peerKey(id, 'screen'))) {
        const peer = this.#create(id, 'screen', undefined, true);
        void peer.makeOffer();
      }
    }
  }

  #call(remoteId: string): void {
    const peer = this.#create(remoteId, 'video', undefined);
    void peer.makeOffer();
  }

  /** A new peer; `sendScreen` only for the `screen` peers we offer (theirs only receive). */
  #create(remoteId: string, roomType: string, sid: Sid | undefined, sendScreen = false): Peer {
    const ctx = this.#ctx;
    const peer = new Peer({
      stack: ctx.stack,
      iceServers: ctx.iceServers,
      role: 'p2p',
      remoteId,
      roomType,
      sid,
      localTrack: roomType === 'video' && ctx.publishing ? ctx.localTrack : undefined,
      localVideoTrack:
        roomType === 'screen'
          ? sendScreen
            ? ctx.screenTrack
            : undefined
          : ctx.publishing
            ? ctx.localVideoTrack
            : undefined,
      receiveVideo: ctx.receiveVideo,
      nick: ctx.nick,
      send: (to, data) => ctx.send(to, data),
      logger: ctx.logger,
    });
    const key = peerKey(remoteId, roomType);
    this.#peers.set(key, peer);
    peer.on('failed', () => this.#onFailed(key, peer));
    peer.on('connected', () => {
      clearTimeout(this.#watchdogs.get(peer));
      this.#watchdogs.delete(peer);
      this.#attempts.delete(remoteId);
    });
    ctx.adopt(peer);
    if (roomType === 'video') {
      this.#watch(key, peer);
    }
    return peer;
  }

  #onFailed(key: string, peer: Peer): void {
    if (this.#closed || this.#peers.get(key) !== peer) {
      return;
    }
    if (peer.roomType === 'video') {
      // Not connected any more: the watchdog starts over (the other side may restart ICE).
      this.#watch(key, peer);
    }
    if (!peer.initiator) {
      return; // The offering side restarts ICE.
    }
    if (peer.iceRestarts < MAX_ICE_RESTARTS) {
      peer.iceRestarts++;
      this.#ctx.logger.debug(`ICE failed with ${peer.remoteId}; restart ${peer.iceRestarts}`);
      void peer.makeOffer({ iceRestart: true });
      return;
    }
    this.#retry(key, peer, `ICE failed after ${MAX_ICE_RESTARTS} restarts`);
  }

  #drop(key: string, peer: Peer): void {
    this.#peers.delete(key);
    clearTimeout(this.#watchdogs.get(peer));
    this.#watchdogs.delete(peer);
    peer.close();
  }

  #closePeers(): void {
    for (const [key, peer] of this.#peers) {
      this.#drop(key, peer);
    }
    for (const timer of this.#fallbacks.values()) {
      clearTimeout(timer);
    }
    this.#fallbacks.clear();
    this.#attempts.clear();
    this.#gaveUp.clear();
  }
}
