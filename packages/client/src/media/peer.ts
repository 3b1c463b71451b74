import type { IceServer } from '../http/talk-types.js';
import { describeError } from '../util/client-error.js';
import { EventEmitter } from '../util/event-emitter.js';
import type { JsonObject } from '../util/json.js';
import type { ClientLogger } from '../util/logger.js';
import { safeEmit } from '../util/safe-emit.js';
import type { Sid } from './call-signals.js';
import type {
  IceCandidateInit,
  MediaStack,
  MediaTrackLike,
  PeerConnectionLike,
  SendEncoding,
} from './media-stack.js';

/**
 * Simulcast layers of a published camera (Talk's web client sends the same three): full, half and
 * quarter resolution. Janus forwards one of them per subscriber (`selectStream`).
 */
export const SIMULCAST_ENCODINGS: readonly SendEncoding[] = [
  { rid: 'h' },
  { rid: 'm', scaleResolutionDownBy: 2 },
  { rid: 'l', scaleResolutionDownBy: 4 },
];

/** What a peer connection is for. */
export type PeerRole =
  /** Direct call with another participant (no SFU). */
  | 'p2p'
  /** Our stream to the SFU (offer sent to our own session id). */
  | 'publisher'
  /** One participant's stream from the SFU (offer comes from their session id). */
  | 'subscriber';

/** Options of a {@link Peer}. */
export interface PeerOptions {
  stack: MediaStack;
  iceServers: IceServer[];
  role: PeerRole;
  /** Where offers, answers and candidates go: the other session, or our own for a publisher. */
  remoteId: string;
  roomType: string;
  sid: Sid | undefined;
  /** Audio to send (publisher, and P2P when we have streams). */
  localTrack: MediaTrackLike | undefined;
  /** Video to send: the camera on `video` peers, the screen on `screen` peers. */
  localVideoTrack?: MediaTrackLike | undefined;
  /** Send {@link localVideoTrack} as three simulcast layers (SFU publishers of a camera). */
  simulcast?: boolean;
  /** Accept remote video (default false: audio-only client; video m-lines are set inactive). */
  receiveVideo?: boolean;
  /** Our display name, sent as `nick` with offers and answers. */
  nick: string;
  send(to: string, data: JsonObject): void;
  logger: ClientLogger;
}

/** Events of a {@link Peer}. */
export type PeerEvents = {
  /** A remote track arrived. */
  track: [track: MediaTrackLike];
  /** ICE connected (or completed). */
  connected: [];
  /** ICE failed, or stayed disconnected for 5 s. */
  failed: [];
  closed: [];
};

const DISCONNECTED_GRACE_MS = 5000;

/**
 * One `RTCPeerConnection` with its signaling: offers, answers and trickled candidates travel as
 * `{to, sid, roomType, type, payload}` messages to `remoteId`, remote candidates that arrive
 * before the remote description are held back, and operations run one at a time.
 */
export class Peer extends EventEmitter<PeerEvents> {
  readonly role: PeerRole;
  readonly remoteId: string;
  readonly roomType: string;
  readonly pc: PeerConnectionLike;
  readonly #options: PeerOptions;
  readonly #pendingCandidates: IceCandidateInit[] = [];
  #sid: Sid | undefined;
  #ops: Promise<void> = Promise.resolve();
  #closed = false;
  #connected = false;
  #initiator = false;
  #disconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** ICE restarts done since the last successful connection. */
  iceRestarts = 0;

  constructor(options: PeerOptions) {
    super();
    this.#options = options;
    this.role = options.role;
    this.remoteId = options.remoteId;
    this.roomType = options.roomType;
    this.#sid = options.sid;
    this.pc = options.stack.createPeerConnection({ iceServers: options.iceServers });
    this.pc.onicecandidate = (event) => this.#onLocalCandidate(event.candidate);
    this.pc.ontrack = (event) => {
      if (!this.#closed) {
        safeEmit(this, undefined, 'track', event.track);
      }
    };
    this.pc.oniceconnectionstatechange = () => this.#onIceState();
  }

  /** The WebRTC session id shared with the other side (may be undefined for old SFUs). */
  get sid(): Sid | undefined {
    return this.#sid;
  }

  /** Whether ICE is connected. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Whether we sent the first offer. */
  get initiator(): boolean {
    return this.#initiator;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Creates an offer (optionally restarting ICE) and sends it. */
  makeOffer(options: { iceRestart?: boolean } = {}): Promise<void> {
    return this.#run(async () => {
      if (!this.#initiator) {
        this.#initiator = true;
        this.#addTransceivers();
      }
      this.#sid ??= String(Date.now());
      const offer = await this.pc.createOffer(
        options.iceRestart === true ? { iceRestart: true } : {},
      );
      await this.pc.setLocalDescription(offer);
      this.#sendDescription('offer', this.pc.localDescription?.sdp ?? offer.sdp ?? '');
    });
  }

  /** Applies a remote offer (first offer or renegotiation) and sends the answer. */
  acceptOffer(sdp: string, sid: Sid | undefined): Promise<void> {
    return this.#run(async () => {
      if (sid !== undefined) {
        this.#sid = sid;
      }
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this.#flushCandidates();
      this.#prepareAnswer();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.#sendDescription('answer', this.pc.localDescription?.sdp ?? answer.sdp ?? '');
    });
  }

  /** Applies the answer to our offer. */
  acceptAnswer(sdp: string): Promise<void> {
    return this.#run(async () => {
      if (this.pc.signalingState !== 'have-local-offer') {
        this.#options.logger.debug(
          `ignoring answer from ${this.remoteId} in ${this.pc.signalingState}`,
        );
        return;
      }
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
      await this.#flushCandidates();
    });
  }

  /** Adds a remote candidate (held until the remote description is set). */
  addRemoteCandidate(candidate: IceCandidateInit): Promise<void> {
    return this.#run(async () => {
      if (this.pc.remoteDescription === null) {
        this.#pendingCandidates.push(candidate);
        return;
      }
      await this.#addCandidate(candidate);
    });
  }

  /** Closes the connection; idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearTimeout(this.#disconnectTimer);
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.oniceconnectionstatechange = null;
    try {
      this.pc.close();
    } catch {
      // Already closed.
    }
    safeEmit(this, undefined, 'closed');
  }

  /**
   * The m-lines of our first offer: audio (sent, or received on P2P), then video — the camera or
   * screen we send (simulcast for an SFU camera), or receive-only when we take video.
   */
  #addTransceivers(): void {
    const { localTrack: audio, localVideoTrack: video, receiveVideo } = this.#options;
    const publisher = this.role === 'publisher';
    if (this.roomType !== 'screen' && (audio !== undefined || !publisher)) {
      const direction = publisher ? 'sendonly' : audio === undefined ? 'recvonly' : 'sendrecv';
      this.pc.addTransceiver(audio ?? 'audio', { direction });
    }
    if (video !== undefined) {
      const sendOnly = publisher || this.roomType === 'screen' || receiveVideo !== true;
      this.pc.addTransceiver(video, {
        direction: sendOnly ? 'sendonly' : 'sendrecv',
        ...(publisher && this.#options.simulcast === true
          ? { sendEncodings: SIMULCAST_ENCODINGS.map((e) => ({ ...e })) }
          : {}),
      });
    } else if (receiveVideo === true && !publisher && this.roomType !== 'screen') {
      this.pc.addTransceiver('video', { direction: 'recvonly' });
    }
  }

  #prepareAnswer(): void {
    const { localTrack: audio, localVideoTrack: video, receiveVideo } = this.#options;
    // P2P only: subscribers of an SFU never send. Our tracks go on the first m-line of their kind.
    let audioAttached = this.role !== 'p2p' || audio === undefined;
    let videoAttached = this.role !== 'p2p' || video === undefined;
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      const unused = transceiver.sender.track === null;
      if (kind === 'audio' && !audioAttached && unused) {
        this.pc.addTrack(audio as MediaTrackLike);
        audioAttached = true;
      } else if (kind === 'video' && !videoAttached && unused) {
        this.pc.addTrack(video as MediaTrackLike);
        videoAttached = true;
        if (receiveVideo !== true) {
          transceiver.direction = 'sendonly';
        }
      } else if (kind === 'video' && receiveVideo !== true && unused) {
        transceiver.direction = 'inactive';
      }
    }
  }

  #sendDescription(type: 'offer' | 'answer', sdp: string): void {
    this.#send({ type, payload: { type, sdp, nick: this.#options.nick } });
  }

  #onLocalCandidate(candidate: IceCandidateInit | null): void {
    if (candidate === null || candidate.candidate === '' || this.#closed) {
      return;
    }
    this.#send({
      type: 'candidate',
      payload: {
        candidate: {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid ?? '0',
          sdpMLineIndex: candidate.sdpMLineIndex ?? 0,
        },
      },
    });
  }

  #send(fields: JsonObject): void {
    const data: JsonObject = { to: this.remoteId, roomType: this.roomType, ...fields };
    if (this.#sid !== undefined) {
      data.sid = this.#sid;
    }
    this.#options.send(this.remoteId, data);
  }

  async #flushCandidates(): Promise<void> {
    for (const candidate of this.#pendingCandidates.splice(0)) {
      await this.#addCandidate(candidate);
    }
  }

  async #addCandidate(candidate: IceCandidateInit): Promise<void> {
    // Some SFUs send candidates with an empty sdpMid; fall back to the m-line index.
    const init: IceCandidateInit = { ...candidate };
    if (init.sdpMid === '' || init.sdpMid === null) {
      delete init.sdpMid;
    }
    if (init.sdpMid === undefined && init.sdpMLineIndex === undefined) {
      init.sdpMLineIndex = 0;
    }
    try {
      await this.pc.addIceCandidate(init);
    } catch (error) {
      this.#options.logger.debug(
        `candidate from ${this.remoteId} refused: ${describeError(error)}`,
      );
    }
  }

  #onIceState(): void {
    const state = this.pc.iceConnectionState;
    if (state === 'connected' || state === 'completed') {
      clearTimeout(this.#disconnectTimer);
      this.#disconnectTimer = undefined;
      this.iceRestarts = 0;
      if (!this.#connected) {
        this.#connected = true;
        safeEmit(this, undefined, 'connected');
      }
    } else if (state === 'failed') {
      this.#connected = false;
      safeEmit(this, undefined, 'failed');
    } else if (state === 'disconnected' && this.#disconnectTimer === undefined) {
      this.#disconnectTimer = setTimeout(() => {
        this.#disconnectTimer = undefined;
        if (!this.#closed && this.pc.iceConnectionState === 'disconnected') {
          this.#connected = false;
          safeEmit(this, undefined, 'failed');
        }
      }, DISCONNECTED_GRACE_MS);
    }
  }

  #run(operation: () => Promise<void>): Promise<void> {
    const next = this.#ops.then(async () => {
      if (this.#closed) {
        return;
      }
      try {
        await operation();
      } catch (error) {
        if (!this.#closed) {
          this.#options.logger.warn(
            `peer ${this.remoteId} (${this.role}): ${describeError(error)}`,
          );
        }
      }
    });
    this.#ops = next;
    return next;
  }
}
