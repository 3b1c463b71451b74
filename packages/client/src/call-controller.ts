import { InCallFlags, type SignalingError } from '@spreed-ts/protocol';
import type { TalkApi } from './http/talk-api.js';
import { AudioOutput } from './media/audio-output.js';
import { BufferSource, type PcmSource, ToneSource } from './media/audio-sources.js';
import { CallMedia, type CallMode } from './media/call-media.js';
import type { CallSignal } from './media/call-signals.js';
import type { MediaStack, MediaTrackLike } from './media/media-stack.js';
import type { PeerRole } from './media/peer.js';
import type { StreamSelection } from './media/sfu-calls.js';
import type { VideoFrame } from './media/video-frame.js';
import { VideoOutput } from './media/video-output.js';
import { FramesSource, TestPatternSource, type VideoSource } from './media/video-sources.js';
import { platform } from './platform.js';
import type { Roster, RosterDiff } from './signaling/roster.js';
import type { SignalingConnection } from './signaling/signaling-connection.js';
import type {
  AudioInput,
  CallOptions,
  TalkClientTimeouts,
  VideoInput,
} from './talk-client-types.js';
import { ClientError, describeError } from './util/client-error.js';
import { EventEmitter } from './util/event-emitter.js';
import type { ClientLogger } from './util/logger.js';
import { safeEmit } from './util/safe-emit.js';
import { type Deferred, deferred, withTimeout } from './util/timers.js';

/** Signals held back while the media is starting; a handful is normal (offer and candidates). */
const MAX_EARLY_SIGNALS = 200;

/** Events of a {@link CallController}. */
export type CallControllerEvents = {
  /** The server lists us in the call; media is running in `mode`. */
  joined: [mode: CallMode];
  /** We are out of the call (`reason`: left, removed, ended). */
  left: [reason: string];
  peerConnected: [remoteId: string, role: PeerRole];
  /** A P2P connection did not come up (`reason`); we try again (`attempt` from 1). */
  peerRetrying: [remoteId: string, attempt: number, reason: string];
  /** A P2P connection failed for good (`reason`). */
  peerFailed: [remoteId: string, reason: string];
  receiving: [remoteId: string];
  audioFrame: [remoteId: string, samples: Int16Array];
  receivingVideo: [remoteId: string, roomType: string];
  videoFrame: [remoteId: string, roomType: string, frame: VideoFrame];
  warning: [message: string];
};

/** What a {@link CallController} needs from its owner. */
export interface CallControllerOptions {
  api: TalkApi;
  conn: SignalingConnection;
  roster: Roster;
  loadStack: () => Promise<MediaStack>;
  /** Our display name for `nick`. */
  nick: () => string;
  timeouts: TalkClientTimeouts;
  logger: ClientLogger;
}

/** Turns an {@link AudioInput} other than a native track into a frame source. */
export async function audioSource(
  input: Exclude<AudioInput, { track: unknown }>,
): Promise<PcmSource | undefined> {
  if (input === 'silence') {
    return undefined;
  }
  if ('tone' in input) {
    return new ToneSource(input.tone, input.amplitude);
  }
  if ('wav' in input) {
    return new BufferSource(await platform().readWavFile(input.wav), {
      loop: input.loop ?? false,
    });
  }
  return input.source;
}

/** Turns a {@link VideoInput} other than a native track into a picture source. */
export async function videoSource(
  input: Exclude<VideoInput, { track: unknown }>,
): Promise<VideoSource> {
  if ('testPattern' in input) {
    return new TestPatternSource(input.testPattern);
  }
  if ('y4m' in input) {
    const video = await platform().readY4mFile(input.y4m);
    return new FramesSource(video.frames, video.frameRate, { loop: input.loop ?? false });
  }
  return input.source;
}

/** A running video output for `input` on `stack` (camera or screen). */
async function startVideo(
  stack: MediaStack,
  input: Exclude<VideoInput, { track: unknown }>,
  screencast: boolean,
  onFailure: (message: string) => void,
): Promise<VideoOutput> {
  if (stack.createVideoSource === undefined) {
    throw new ClientError('media_unavailable', `the media stack ${stack.name} cannot send video`);
  }
  const source = await videoSource(input);
  const output = new VideoOutput(stack.createVideoSource({ screencast }), source, onFailure);
  output.start();
  return output;
}

/** Makes `output` send `input`. */
async function playInput(output: AudioOutput, input: AudioInput): Promise<void> {
  if (typeof input === 'object' && 'track' in input) {
    output.useTrack(input.track);
  } else {
    output.play(await audioSource(input));
  }
}

/**
 * Joins, keeps and leaves the call of one conversation, in the order the signaling server needs:
 * `POST /call` only after the signaling room join was acknowledged (the owner guarantees that),
 * then wait until a `participants/update` lists OUR signaling session in the call, and only then
 * start WebRTC (SFU `requestoffer`s would be refused with `not_allowed` before). After a new
 * signaling session `rejoin()` posts the call again, because the server's in-call state belonged
 * to the old session.
 */
export class CallController extends EventEmitter<CallControllerEvents> {
  readonly #o: CallControllerOptions;
  #options: CallOptions | undefined;
  #flags = 0;
  #output: AudioOutput | undefined;
  #video: VideoOutput | undefined;
  #screen: VideoOutput | undefined;
  /** The camera and screen tracks sent (from the outputs above, or native tracks). */
  #videoTrack: MediaTrackLike | undefined;
  #screenTrack: MediaTrackLike | undefined;
  #media: CallMedia | undefined;
  #registered: Deferred<void> | undefined;
  #stack: MediaStack | undefined;
  /** Signals that arrived while in the call but before the media started (see handleSignal). */
  #early: Array<{ from: string; signal: CallSignal }> = [];

  constructor(options: CallControllerOptions) {
    super();
    this.#o = options;
  }

  /** Whether we asked to be in the call (and did not leave). */
  get active(): boolean {
    return this.#options !== undefined;
  }

  /** The in-call flags we posted. */
  get flags(): number {
    return this.#flags;
  }

  /** The running media (undefined until registered). */
  get media(): CallMedia | undefined {
    return this.#media;
  }

  /** The media stack, once loaded. */
  get stack(): MediaStack | undefined {
    return this.#stack;
  }

  /** The outgoing audio, when sending. */
  get output(): AudioOutput | undefined {
    return this.#output;
  }

  /** Joins the call; resolves once the signaling server lists us in it. */
  async join(options: CallOptions): Promise<void> {
    if (this.#options !== undefined) {
      throw ClientError.invalidState('already in the call');
    }
    this.#stack ??= await this.#o.loadStack();
    const stack = this.#stack;
    const audio = options.audio ?? 'silence';
    const video = options.video ?? false;
    this.#flags =
      InCallFlags.inCall |
      (audio === false ? 0 : InCallFlags.withAudio) |
      (video === false ? 0 : InCallFlags.withVideo);
    this.#videoTrack = undefined;
    this.#screenTrack = undefined;
    try {
      if (video !== false && 'track' in video) {
        this.#videoTrack = video.track;
      } else if (video !== false) {
        this.#video = await startVideo(stack, video, false, (m) => this.#warnLater(m));
        this.#videoTrack = this.#video.track;
      }
      const screen = options.screen;
      if (screen !== undefined && 'track' in screen) {
        this.#screenTrack = screen.track;
      } else if (screen !== undefined) {
        this.#screen = await startVideo(stack, screen, true, (m) =>
          this.#warnLater(`screen: ${m}`),
        );
        this.#screenTrack = this.#screen.track;
      }
      if (audio !== false) {
        const output = new AudioOutput(stack.createAudioSource());
        this.#output = output;
        await playInput(output, audio);
        output.start();
      }
    } catch (error) {
      this.#stop();
      throw error;
    }
    this.#options = options;
    try {
      await this.#register();
    } catch (error) {
      this.#stop();
      this.#options = undefined;
      await this.#o.api.leaveCall().catch(() => undefined);
      throw error;
    }
  }

  /** After a new signaling session (and room re-join): posts the call again, restarts media. */
  async rejoin(): Promise<void> {
    if (this.#options === undefined) {
      return;
    }
    this.#media?.close();
    this.#media = undefined;
    this.#early = [];
    await this.#register();
  }

  /** Replaces what we send (requires joining with audio). */
  async play(input: AudioInput): Promise<void> {
    if (this.#output === undefined) {
      throw ClientError.invalidState('joined without audio; join with `audio` to send');
    }
    await playInput(this.#output, input);
  }

  /** The outgoing camera video, when sending. */
  get video(): VideoOutput | undefined {
    return this.#video;
  }

  /** The shared screen, when sharing. */
  get screen(): VideoOutput | undefined {
    return this.#screen;
  }

  /** Asks the SFU for another simulcast layer of a participant's camera; false if impossible. */
  selectStream(remoteId: string, selection: StreamSelection, roomType = 'video'): boolean {
    return this.#media?.selectStream(remoteId, selection, roomType) ?? false;
  }

  /** Leaves the call (`DELETE /call`); idempotent. */
  async leave(): Promise<void> {
    if (this.#options === undefined) {
      return;
    }
    this.#options = undefined;
    this.#stop();
    await this.#o.api.leaveCall();
    safeEmit(this, undefined, 'left', 'left');
  }

  /** Roster changed: track our own registration and the peers. */
  handleRosterChange(diff: RosterDiff): void {
    const { roster } = this.#o;
    const ownId = roster.ownSessionId;
    if (this.#registered !== undefined && roster.selfInCall) {
      this.#registered.resolve();
    }
    const media = this.#media;
    if (media === undefined) {
      return;
    }
    const ownChange = diff.callChanged.find((c) => c.participant.sessionId === ownId);
    if (ownChange !== undefined && !roster.selfInCall) {
      // A moderator removed us, or the call was ended for everyone.
      this.#options = undefined;
      this.#stop();
      safeEmit(this, undefined, 'left', 'removed from the call (or the call ended)');
      return;
    }
    media.sync(roster);
  }

  /**
   * Routes a WebRTC signal to the media. Between our `POST /call` and its answer the server may
   * already list us in the call, and a peer with a larger session id offers at once: the media
   * only starts after the answer, so such signals wait here instead of being dropped (dropping
   * that offer left both sides waiting for each other, silently).
   */
  handleSignal(from: string, signal: CallSignal): void {
    if (this.#media !== undefined) {
      this.#media.handleSignal(from, signal);
    } else if (this.#options !== undefined && this.#early.length < MAX_EARLY_SIGNALS) {
      this.#early.push({ from, signal });
    }
  }

  handleMessageError(error: SignalingError, data: unknown): void {
    this.#media?.handleMessageError(error, data);
  }

  /** Stops media and audio without HTTP (the client is closing). */
  close(): void {
    this.#options = undefined;
    this.#stop();
  }

  async #register(): Promise<void> {
    const { api, conn, roster, timeouts } = this.#o;
    const options = this.#options as CallOptions;
    // Listen before posting: Talk notifies the signaling server before it answers the POST.
    const registered = deferred<void>();
    this.#registered = registered;
    try {
      const joinOptions = {
        ...(options.silent === undefined ? {} : { silent: options.silent }),
        ...(options.recordingConsent === undefined
          ? {}
          : { recordingConsent: options.recordingConsent }),
      };
      await api.joinCall(this.#flags, joinOptions);
      await withTimeout(
        registered.promise,
        timeouts.callRegistration,
        'in-call registration',
      ).catch((cause: unknown) => {
        throw new ClientError(
          'call_not_registered',
          `joined the call over HTTP, but the signaling server did not list this session in the call within ${timeouts.callRegistration} ms`,
          { cause },
        );
      });
    } finally {
      this.#registered = undefined;
    }
    const settings = conn.settings;
    const mode: CallMode = conn.hasFeature('mcu') ? 'sfu' : 'p2p';
    const media = new CallMedia({
      stack: this.#stack as MediaStack,
      mode,
      ownSessionId: conn.sessionId,
      iceServers: [...(settings?.stunServers ?? []), ...(settings?.turnServers ?? [])],
      nick: this.#o.nick(),
      output: this.#output,
      videoTrack: this.#videoTrack,
      screenTrack: this.#screenTrack,
      simulcast: options.simulcast ?? true,
      receiveVideo: options.receiveVideo ?? false,
      retryMs: timeouts.mediaRetry,
      send: (to, data) => {
        conn.sendMessage(to, data);
      },
      logger: this.#o.logger,
    });
    media.on('peerConnected', (id, role) => safeEmit(this, undefined, 'peerConnected', id, role));
    media.on('remoteAudio', (id) => safeEmit(this, undefined, 'receiving', id));
    media.on('audioFrame', (id, samples) =>
      safeEmit(this, this.#listenerError, 'audioFrame', id, samples),
    );
    media.on('remoteVideo', (id, roomType) =>
      safeEmit(this, undefined, 'receivingVideo', id, roomType),
    );
    media.on('videoFrame', (id, roomType, frame) =>
      safeEmit(this, this.#listenerError, 'videoFrame', id, roomType, frame),
    );
    media.on('warning', (message) => safeEmit(this, undefined, 'warning', message));
    media.on('peerRetrying', (id, attempt, reason) =>
      safeEmit(this, undefined, 'peerRetrying', id, attempt, reason),
    );
    media.on('peerFailed', (id, reason) => safeEmit(this, undefined, 'peerFailed', id, reason));
    this.#media = media;
    safeEmit(this, undefined, 'joined', mode);
    for (const { from, signal } of this.#early.splice(0)) {
      media.handleSignal(from, signal);
    }
    media.sync(roster);
  }

  #stop(): void {
    this.#early = [];
    this.#media?.close();
    this.#media = undefined;
    this.#output?.close();
    this.#output = undefined;
    this.#video?.close();
    this.#video = undefined;
    this.#screen?.close();
    this.#screen = undefined;
    this.#registered?.reject(ClientError.closed('the call join'));
    this.#registered = undefined;
  }

  #warnLater(message: string): void {
    safeEmit(this, undefined, 'warning', message);
  }

  readonly #listenerError = (error: unknown): void => {
    this.#o.logger.warn(`audio listener threw: ${describeError(error)}`);
  };
}
