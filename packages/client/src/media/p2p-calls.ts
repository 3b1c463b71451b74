import type { SignalingError } from '@spreed-ts/protocol';
import { hasStreams, type Roster } from '../signaling/roster.js';
import type { CallSignal, Sid } from './call-signals.js';
import { type MediaContext, peerKey } from './media-context.js';
import { Peer } from './peer.js';

/** ICE restarts the offering side tries before giving up on a peer (Talk web client: 5). */
const MAX_ICE_RESTARTS = 5;

/**
 * Peer-to-peer calls (no SFU), following the Talk web client's rules so that mixed calls with
 * browsers work:
 * - nothing happens until our own session is listed in the call;
 * - with streams of our own, we offer to participants without streams, and to those with streams
 *   whose session id is smaller than ours ("larger ids call smaller ones"); to the others we offer
 *   only if no offer came from them within 10 s;
 * - without streams we never offer: participants with streams call us;
 * - the offering side restarts ICE (up to 5 times) when the connection fails; an offer for an
 *   existing peer is a renegotiation (or the other side's ICE restart) and is answered in place.
 */
export class P2PCalls {
  readonly #ctx: MediaContext;
  readonly #peers = new Map<string, Peer>();
  readonly #fallbacks = new Map<string, ReturnType<typeof setTimeout>>();
  #roster: Roster | undefined;
  #closed = false;

  constructor(ctx: MediaContext) {
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
    if (!this.#ctx.publishing) {
      return;
    }
    const own = this.#ctx.ownSessionId;
    for (const p of inCall.values()) {
      if (this.#peers.has(peerKey(p.sessionId, 'video'))) {
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
        let peer = this.#peers.get(key);
        if (peer !== undefined && peer.pc.signalingState === 'have-local-offer') {
          // Both sides offered: the larger session id's offer wins, like the call rule.
          if (from < this.#ctx.ownSessionId) {
            return;
          }
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

  #call(remoteId: string): void {
    const peer = this.#create(remoteId, 'video', undefined);
    void peer.makeOffer();
  }

  #create(remoteId: string, roomType: string, sid: Sid | undefined): Peer {
    const ctx = this.#ctx;
    const peer = new Peer({
      stack: ctx.stack,
      iceServers: ctx.iceServers,
      role: 'p2p',
      remoteId,
      roomType,
      sid,
      localTrack: roomType === 'video' && ctx.publishing ? ctx.localTrack : undefined,
      receiveVideo: ctx.receiveVideo,
      nick: ctx.nick,
      send: (to, data) => ctx.send(to, data),
      logger: ctx.logger,
    });
    const key = peerKey(remoteId, roomType);
    this.#peers.set(key, peer);
    peer.on('failed', () => this.#onFailed(key, peer));
    ctx.adopt(peer);
    return peer;
  }

  #onFailed(key: string, peer: Peer): void {
    if (this.#closed || this.#peers.get(key) !== peer) {
      return;
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
    this.#ctx.warn(
      `giving up on the connection with ${peer.remoteId} after ${MAX_ICE_RESTARTS} ICE restarts`,
    );
    this.#drop(key, peer);
    if (this.#roster !== undefined) {
      this.sync(this.#roster);
    }
  }

  #drop(key: string, peer: Peer): void {
    this.#peers.delete(key);
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
  }
}
