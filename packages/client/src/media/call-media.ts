import type { SignalingError } from '@spreed-ts/protocol';
import type { IceServer } from '../http/talk-types.js';
import type { Roster } from '../signaling/roster.js';
import { EventEmitter } from '../util/event-emitter.js';
import type { JsonObject } from '../util/json.js';
import type { ClientLogger } from '../util/logger.js';
import { safeEmit } from '../util/safe-emit.js';
import type { AudioOutput } from './audio-output.js';
import type { CallSignal } from './call-signals.js';
import type { MediaContext } from './media-context.js';
import type {
  AudioSinkAdapter,
  MediaStack,
  MediaTrackLike,
  VideoSinkAdapter,
} from './media-stack.js';
import { P2PCalls } from './p2p-calls.js';
import { FrameSplitter, toMono48k } from './pcm.js';
import type { Peer, PeerRole } from './peer.js';
import { SfuCalls, type StreamSelection } from './sfu-calls.js';
import type { VideoFrame } from './video-frame.js';

/** `sfu` when the signaling server has an SFU (`mcu` feature), else `p2p`. */
export type CallMode = 'sfu' | 'p2p';

/** Options of {@link CallMedia}. */
export interface CallMediaOptions {
  stack: MediaStack;
  mode: CallMode;
  ownSessionId: string;
  iceServers: IceServer[];
  nick: string;
  /** The outgoing audio, when our in-call flags include audio. */
  output: AudioOutput | undefined;
  /** The outgoing camera track, when our in-call flags include video. */
  videoTrack?: MediaTrackLike | undefined;
  /** The track of our shared screen, while sharing. */
  screenTrack?: MediaTrackLike | undefined;
  /** Publish the camera as simulcast layers through an SFU (default true). */
  simulcast?: boolean;
  receiveVideo?: boolean;
  /** Retry period (requestoffer, publisher offer, P2P fallback); default 10 000 ms. */
  retryMs?: number;
  send(to: string, data: JsonObject): void;
  logger: ClientLogger;
}

/** Events of {@link CallMedia}. */
export type CallMediaEvents = {
  /** A peer connection reached ICE connected (`remoteId` is our own id for the publisher). */
  peerConnected: [remoteId: string, role: PeerRole];
  /** A peer connection was closed. */
  peerClosed: [remoteId: string, role: PeerRole];
  /** The first audio frame from a remote session arrived. */
  remoteAudio: [remoteId: string];
  /** 10 ms of received audio (480 samples, 48 kHz mono, 16 bit) from a remote session. */
  audioFrame: [remoteId: string, samples: Int16Array];
  /** The first picture of a remote session's camera (`video`) or screen (`screen`) arrived. */
  remoteVideo: [remoteId: string, roomType: string];
  /** One decoded picture of a remote session's camera or screen. */
  videoFrame: [remoteId: string, roomType: string, frame: VideoFrame];
  /** A P2P connection did not come up (`reason`); attempt `attempt` is under way. */
  peerRetrying: [remoteId: string, attempt: number, reason: string];
  /** A P2P connection failed for good (`reason`). */
  peerFailed: [remoteId: string, reason: string];
  /** Something the user may want to know (refused requests, given-up peers). */
  warning: [message: string];
};

/**
 * The media side of one call for one signaling session: picks the P2P or SFU rules, routes
 * WebRTC signaling to them and turns every remote audio track into 10 ms PCM frames. A new
 * signaling session needs a new CallMedia (peers belong to the session).
 */
export class CallMedia extends EventEmitter<CallMediaEvents> {
  readonly mode: CallMode;
  readonly #calls: P2PCalls | SfuCalls;
  readonly #sinks = new Map<Peer, AudioSinkAdapter>();
  readonly #videoSinks = new Map<Peer, VideoSinkAdapter>();
  readonly #nickSentTo = new Set<string>();
  readonly #options: CallMediaOptions;
  readonly #logger: ClientLogger;
  #closed = false;

  constructor(options: CallMediaOptions) {
    super();
    this.mode = options.mode;
    this.#options = options;
    this.#logger = options.logger;
    const output = options.output;
    const ctx: MediaContext = {
      stack: options.stack,
      ownSessionId: options.ownSessionId,
      iceServers: options.iceServers,
      nick: options.nick,
      publishing: output !== undefined || options.videoTrack !== undefined,
      localTrack: output?.track,
      localVideoTrack: options.videoTrack,
      screenTrack: options.screenTrack,
      simulcast: options.simulcast ?? true,
      receiveVideo: options.receiveVideo ?? false,
      retryMs: options.retryMs ?? 10_000,
      send: options.send,
      adopt: (peer) => this.#adopt(peer, options.stack),
      warn: (message) => safeEmit(this, undefined, 'warning', message),
      logger: options.logger,
    };
    if (options.mode === 'sfu') {
      this.#calls = new SfuCalls(ctx);
    } else {
      const p2p = new P2PCalls(ctx);
      p2p.on('peerRetrying', (id, attempt, reason) =>
        safeEmit(this, undefined, 'peerRetrying', id, attempt, reason),
      );
      p2p.on('peerFailed', (id, reason) => safeEmit(this, undefined, 'peerFailed', id, reason));
      this.#calls = p2p;
    }
  }

  /** The P2P or SFU manager (for diagnostics and tests). */
  get calls(): P2PCalls | SfuCalls {
    return this.#calls;
  }

  /** Re-evaluates the peers after the roster changed. */
  sync(roster: Roster): void {
    if (this.#closed) {
      return;
    }
    this.#calls.sync(roster);
    this.#announceNick(roster);
  }

  /**
   * Asks the SFU for another simulcast layer of `remoteId`'s camera (see {@link StreamSelection});
   * false without an SFU subscription to them.
   */
  selectStream(remoteId: string, selection: StreamSelection, roomType = 'video'): boolean {
    const calls = this.#calls;
    return calls instanceof SfuCalls && calls.selectStream(remoteId, selection, roomType);
  }

  /** Routes a WebRTC signaling message from `from`. */
  handleSignal(from: string, signal: CallSignal): void {
    if (!this.#closed) {
      this.#calls.handleSignal(from, signal);
    }
  }

  /** Routes an error answer to a message we sent. */
  handleMessageError(error: SignalingError, data: unknown): void {
    if (!this.#closed) {
      this.#calls.handleMessageError(error, data);
    }
  }

  /** Closes all peers and sinks; idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#calls.close();
    for (const sink of [...this.#sinks.values(), ...this.#videoSinks.values()]) {
      sink.stop();
    }
    this.#sinks.clear();
    this.#videoSinks.clear();
  }

  /**
   * Tells every participant in the call our name once, like the Talk clients' local state
   * broadcast: through an SFU the offers carry no `nick`, so without this guests show up nameless.
   */
  #announceNick(roster: Roster): void {
    const inCall = new Set(roster.selfInCall ? roster.othersInCall().map((p) => p.sessionId) : []);
    for (const id of this.#nickSentTo) {
      if (!inCall.has(id)) {
        this.#nickSentTo.delete(id);
      }
    }
    for (const id of inCall) {
      if (!this.#nickSentTo.has(id) && this.#options.nick !== '') {
        this.#nickSentTo.add(id);
        this.#options.send(id, {
          to: id,
          roomType: 'video',
          type: 'nickChanged',
          payload: { name: this.#options.nick },
        });
      }
    }
  }

  #adopt(peer: Peer, stack: MediaStack): void {
    const remoteId = peer.remoteId;
    peer.on('connected', () => safeEmit(this, undefined, 'peerConnected', remoteId, peer.role));
    peer.on('closed', () => {
      this.#sinks.get(peer)?.stop();
      this.#sinks.delete(peer);
      this.#videoSinks.get(peer)?.stop();
      this.#videoSinks.delete(peer);
      safeEmit(this, undefined, 'peerClosed', remoteId, peer.role);
    });
    peer.on('track', (track) => {
      if (track.kind === 'video') {
        this.#tapVideo(peer, track, stack);
        return;
      }
      if (track.kind !== 'audio' || this.#sinks.has(peer) || peer.role === 'publisher') {
        return;
      }
      const splitter = new FrameSplitter();
      let first = true;
      const sink = stack.createAudioSink(track, (frame) => {
        if (this.#closed) {
          return;
        }
        const mono = toMono48k(frame.samples, frame.sampleRate, frame.channelCount);
        for (const samples of splitter.push(mono)) {
          if (first) {
            first = false;
            safeEmit(this, undefined, 'remoteAudio', remoteId);
          }
          safeEmit(this, this.#listenerError, 'audioFrame', remoteId, samples);
        }
      });
      this.#sinks.set(peer, sink);
    });
  }

  /** Turns a remote video track into `videoFrame` events (one sink per peer). */
  #tapVideo(peer: Peer, track: MediaTrackLike, stack: MediaStack): void {
    if (
      peer.role === 'publisher' ||
      this.#videoSinks.has(peer) ||
      stack.createVideoSink === undefined ||
      this.#options.receiveVideo !== true
    ) {
      return;
    }
    const { remoteId, roomType } = peer;
    let first = true;
    const sink = stack.createVideoSink(track, (frame) => {
      if (this.#closed) {
        return;
      }
      if (first) {
        first = false;
        safeEmit(this, undefined, 'remoteVideo', remoteId, roomType);
      }
      safeEmit(this, this.#listenerError, 'videoFrame', remoteId, roomType, frame);
    });
    this.#videoSinks.set(peer, sink);
  }

  readonly #listenerError = (error: unknown): void => {
    this.#logger.warn(`audio listener threw: ${String(error)}`);
  };
}
