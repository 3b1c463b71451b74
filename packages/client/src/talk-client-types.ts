import type { FetchFunction } from './http/ocs-client.js';
import type { ChatMessage } from './http/talk-types.js';
import type { PcmSource } from './media/audio-sources.js';
import type { CallMode } from './media/call-media.js';
import type { MediaStack, MediaTrackLike } from './media/media-stack.js';
import type { PeerRole } from './media/peer.js';
import type { VideoFrame } from './media/video-frame.js';
import type { TestPatternOptions, VideoSource } from './media/video-sources.js';
import type { Participant } from './signaling/roster.js';
import type { WebSocketFactory } from './signaling/web-socket.js';
import type { ClientLogger } from './util/logger.js';
import type { BackoffOptions } from './util/timers.js';

/** Options of {@link TalkClient.join}. */
export interface TalkClientOptions {
  /** Display name. Guests get it via Talk's guest-name API; it is also our `nick` in calls. */
  name?: string;
  /** Password of a password-protected public conversation. */
  password?: string;
  /** Log in as this user (with `appPassword`) instead of joining as a guest. */
  user?: string;
  /** An app password of `user` (Settings → Security → Devices & sessions). */
  appPassword?: string;
  /** Connect to the signaling server (needed for calls, presence and pushed chat); default true. */
  signaling?: boolean;
  /**
   * Deliver new chat messages (`chatMessage` events, `chat.messages()`); default true. Without
   * signaling this long-polls the chat API, which keeps one of the server's PHP workers busy for up
   * to 30 s at a time: a client that only sends (like `talk chat --send`) turns it off.
   */
  receiveChat?: boolean;
  /**
   * The WebRTC stack; default `@roamhq/wrtc` in Node (loaded on the first call join), the
   * browser's own (`browserMediaStack()`) with `@spreed-ts/client/browser`.
   */
  media?: MediaStack | (() => Promise<MediaStack>);
  /** WebSocket implementation; default `ws` in Node, the global one elsewhere. */
  webSocket?: WebSocketFactory;
  /** `fetch` implementation; default the global one. */
  fetch?: FetchFunction;
  /** Aborts the join. */
  signal?: AbortSignal;
  /** Diagnostics; default silent. */
  logger?: ClientLogger;
  /** Signaling reconnect backoff; default 1 s doubling to 16 s, ±50 % jitter. */
  backoff?: BackoffOptions;
  /** Timeouts and retry periods in ms (tests shorten them). */
  timeouts?: Partial<TalkClientTimeouts>;
  /**
   * Receives every status from the start, including the steps inside `join()` (`connected`,
   * `inRoom`) that happen before a listener could be attached to the returned client.
   */
  onStatus?: (status: TalkStatus) => void;
}

/** Timeouts and retry periods of a {@link TalkClient}, in ms. */
export interface TalkClientTimeouts {
  /** Waiting for our own session to be listed in the call after `POST /call`; default 10 000. */
  callRegistration: number;
  /** requestoffer / unanswered publish / P2P fallback retry period; default 10 000. */
  mediaRetry: number;
  /** Signaling requests (hello, room); default 10 000. */
  signalingRequest: number;
}

/** What to send into the call. */
export type AudioInput =
  /** A sine tone of this frequency in Hz. */
  | { tone: number; amplitude?: number }
  /** A 16-bit PCM WAV file (any rate, mono or stereo), once or looped. */
  | { wav: string; loop?: boolean }
  /** Any source of 48 kHz mono frames (e.g. a `PcmQueueSource` fed by a TTS engine). */
  | { source: PcmSource }
  /**
   * An audio track of the media stack itself, sent as it is: in a browser the microphone's track
   * from `getUserMedia` (needs a stack that can send native tracks, like `browserMediaStack()`).
   */
  | { track: MediaTrackLike }
  /** Send silence until `play()` is called. */
  | 'silence';

/**
 * Video to send (camera or screen). Pictures (test pattern, Y4M, I420 source) need a stack with
 * video sources (Node's default); a native `track` works with any stack (browsers).
 */
export type VideoInput =
  /** A generated picture with a frame counter a receiver can read back (`decodeTestPattern`). */
  | { testPattern: TestPatternOptions }
  /** A 4:2:0 Y4M file (`ffmpeg -i in.mp4 -pix_fmt yuv420p out.y4m`), once or looped. */
  | { y4m: string; loop?: boolean }
  /** Any source of I420 pictures (e.g. a `VideoQueueSource` the caller pushes frames into). */
  | { source: VideoSource }
  /** A video track of the media stack itself, sent as it is (a browser's camera or screen). */
  | { track: MediaTrackLike };

/** Options of {@link TalkClient.joinCall}. */
export interface CallOptions {
  /** What to send; `false` joins receive-only (in-call flags without audio). Default silence. */
  audio?: AudioInput | false;
  /** Camera video to send (in-call flags then include video); default none. */
  video?: VideoInput | false;
  /**
   * A screen to share (`roomType: "screen"`: its own publisher through an SFU, pushed to everybody
   * in the call; one `screen` peer per participant on P2P); default none.
   */
  screen?: VideoInput;
  /** Publish the camera as three simulcast layers through an SFU; default true. */
  simulcast?: boolean;
  /** Don't ring the other participants. */
  silent?: boolean;
  /** Consent to recording where the server requires it. */
  recordingConsent?: boolean;
  /**
   * Receive the participants' cameras and screens as decoded I420 pictures (`videoFrame` events,
   * and video files when recording with `video: true`); default false (audio only).
   */
  receiveVideo?: boolean;
}

/** Steps and changes of a {@link TalkClient}, as yielded by `status()` (one line each in the CLI). */
export type TalkStatus =
  | { type: 'connected'; sessionId: string; hello: '1.0' | '2.0'; features: readonly string[] }
  | { type: 'inRoom'; room: string }
  | { type: 'inCall'; mode: CallMode }
  | { type: 'peerConnected'; participant: Participant; role: PeerRole }
  /** A peer-to-peer connection did not come up in time (`reason`); attempt `attempt` started. */
  | { type: 'peerRetrying'; participant: Participant; attempt: number; reason: string }
  /** A peer-to-peer connection failed for good: no audio with this participant (`reason`). */
  | { type: 'peerFailed'; participant: Participant; reason: string }
  | { type: 'receiving'; participant: Participant }
  /** The first picture of a participant's camera (`video`) or screen (`screen`) arrived. */
  | { type: 'receivingVideo'; participant: Participant; roomType: string }
  /** A participant in the call changed what they send (from their in-call flags). */
  | { type: 'participantMedia'; participant: Participant; audio: boolean; video: boolean }
  | { type: 'participantJoined'; participant: Participant }
  | { type: 'participantLeft'; participant: Participant }
  | { type: 'disconnected'; reason: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'reconnected'; resumed: boolean }
  | { type: 'callLeft'; reason: string }
  | { type: 'warning'; message: string }
  | { type: 'closed'; error?: Error };

/** Events of a {@link TalkClient}. */
export type TalkClientEvents = {
  /** Every status change (the same items `status()` yields). */
  status: [status: TalkStatus];
  /** A new chat message (our own included: compare `actorId` with `client.actorId`). */
  chatMessage: [message: ChatMessage];
  /** Someone entered the conversation (signaling room). */
  participantJoined: [participant: Participant];
  /** Someone left the conversation. */
  participantLeft: [participant: Participant];
  /** Someone's in-call flags changed (`participant.inCall`, previously `before`). */
  participantCallChanged: [participant: Participant, before: number];
  /** The server listed us in the call; media starts now. */
  callJoined: [];
  /** We are no longer in the call (left, removed by a moderator, or the call ended). */
  callLeft: [reason: string];
  /** A WebRTC connection is up. */
  peerConnected: [participant: Participant, role: PeerRole];
  /**
   * No peer-to-peer connection with a participant after all retries (`reason`): neither side
   * hears the other until they rejoin the call.
   */
  peerFailed: [participant: Participant, reason: string];
  /** First audio received from a participant. */
  receiving: [participant: Participant];
  /** 10 ms of a participant's audio: 480 samples, 48 kHz, mono, 16 bit. */
  audioFrame: [participant: Participant, samples: Int16Array];
  /**
   * One decoded picture (I420) of a participant's camera (`roomType` `video`) or screen
   * (`screen`); only with `receiveVideo`.
   */
  videoFrame: [participant: Participant, frame: VideoFrame, roomType: string];
  /** Something noteworthy that is not fatal. */
  warning: [message: string];
  /** The client is closed; `error` says why when it was not `leave()`. */
  closed: [error: Error | undefined];
};
