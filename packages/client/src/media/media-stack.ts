import type { IceServer } from '../http/talk-types.js';
import type { I420Frame, VideoFrame } from './video-frame.js';

/** An SDP description (`RTCSessionDescriptionInit`). */
export interface SessionDescription {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

/** An ICE candidate as exchanged over signaling (`RTCIceCandidateInit`). */
export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** The parts of a `MediaStreamTrack` the client uses. */
export interface MediaTrackLike {
  readonly kind: string;
  readonly id: string;
  enabled: boolean;
  stop(): void;
}

/** The parts of an `RTCRtpTransceiver` the client uses. */
export interface TransceiverLike {
  readonly mid: string | null;
  direction: string;
  readonly receiver: { readonly track: MediaTrackLike };
  readonly sender: { readonly track: MediaTrackLike | null };
}

/** The parts of an `RTCPeerConnection` the client uses (browsers, `@roamhq/wrtc`, werift …). */
export interface PeerConnectionLike {
  readonly signalingState: string;
  readonly iceConnectionState: string;
  readonly connectionState: string;
  readonly localDescription: SessionDescription | null;
  readonly remoteDescription: SessionDescription | null;
  createOffer(options?: { iceRestart?: boolean }): Promise<SessionDescription>;
  createAnswer(): Promise<SessionDescription>;
  setLocalDescription(description: SessionDescription): Promise<void>;
  setRemoteDescription(description: SessionDescription): Promise<void>;
  addIceCandidate(candidate: IceCandidateInit): Promise<void>;
  addTrack(track: MediaTrackLike, ...streams: unknown[]): unknown;
  addTransceiver(
    trackOrKind: MediaTrackLike | 'audio' | 'video',
    init?: { direction?: string; sendEncodings?: SendEncoding[] },
  ): TransceiverLike;
  getTransceivers(): TransceiverLike[];
  close(): void;
  onicecandidate: ((event: { candidate: IceCandidateInit | null }) => void) | null;
  ontrack: ((event: { track: MediaTrackLike; transceiver?: TransceiverLike }) => void) | null;
  oniceconnectionstatechange: (() => void) | null;
  onconnectionstatechange: (() => void) | null;
}

/** One simulcast layer of a sent video track (`RTCRtpEncodingParameters`). */
export interface SendEncoding {
  rid: string;
  scaleResolutionDownBy?: number;
  maxBitrate?: number;
}

/** Feeds I420 pictures into a local video track. */
export interface VideoSourceAdapter {
  readonly track: MediaTrackLike;
  /** Sends one picture (checked by the caller: even sides, exact I420 size). */
  pushFrame(frame: I420Frame): void;
  close(): void;
}

/** Taps a remote video track; stop it when the track goes away. */
export interface VideoSinkAdapter {
  stop(): void;
}

/** Configuration passed to the peer connection constructor. */
export interface PeerConnectionConfig {
  iceServers: IceServer[];
}

/** A 10 ms frame of received audio as the stack delivers it. */
export interface RawAudioFrame {
  /** Interleaved 16-bit samples. */
  samples: Int16Array;
  sampleRate: number;
  channelCount: number;
}

/** Feeds PCM into a local audio track. */
export interface AudioSourceAdapter {
  /** The track to send. */
  readonly track: MediaTrackLike;
  /** Pushes one 10 ms frame: 480 samples, 48 kHz, mono, 16 bit. */
  pushFrame(samples: Int16Array): void;
  /**
   * Sends `track`, a native track of this stack (a browser's microphone), through {@link track}
   * instead of the pushed PCM; `null` switches back to PCM. Stacks that cannot leave it out.
   */
  useTrack?(track: MediaTrackLike | null): void;
  close(): void;
}

/** Taps a remote audio track; stop it when the track goes away. */
export interface AudioSinkAdapter {
  stop(): void;
}

/**
 * The WebRTC implementation the client runs on: a peer connection constructor plus PCM adapters
 * for audio in and out. `loadWrtcStack()` provides `@roamhq/wrtc` for Node, `browserMediaStack()`
 * a browser's `RTCPeerConnection` with Web Audio.
 */
export interface MediaStack {
  /** Name for diagnostics, e.g. `@roamhq/wrtc`. */
  readonly name: string;
  createPeerConnection(config: PeerConnectionConfig): PeerConnectionLike;
  createAudioSource(): AudioSourceAdapter;
  createAudioSink(track: MediaTrackLike, onFrame: (frame: RawAudioFrame) => void): AudioSinkAdapter;
  /**
   * A local video track fed with I420 pictures (`screencast`: tuned for a shared screen). Stacks
   * without video leave it out; sending video then fails with `media_unavailable`.
   */
  createVideoSource?(options: { screencast: boolean }): VideoSourceAdapter;
  /** Delivers every decoded picture of a remote video track (optional like the source). */
  createVideoSink?(track: MediaTrackLike, onFrame: (frame: VideoFrame) => void): VideoSinkAdapter;
  /**
   * Called when a client closed all its peers, sources and sinks, so the stack can free native
   * resources (the wrtc adapter collects garbage: see `loadWrtcStack`).
   */
  release?(): Promise<void>;
}
