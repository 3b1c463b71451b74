import type {
  AudioSinkAdapter,
  AudioSourceAdapter,
  IceCandidateInit,
  MediaStack,
  MediaTrackLike,
  PeerConnectionLike,
  RawAudioFrame,
  SessionDescription,
  TransceiverLike,
} from './media-stack.js';

/** @internal A track for tests. */
export class FakeTrack implements MediaTrackLike {
  readonly kind: string;
  readonly id: string;
  enabled = true;
  stopped = false;
  static #next = 1;

  constructor(kind = 'audio') {
    this.kind = kind;
    this.id = `track-${FakeTrack.#next++}`;
  }

  stop(): void {
    this.stopped = true;
  }
}

/**
 * @internal A scripted peer connection: descriptions are strings, one local candidate is
 * produced per local description, ICE state is set by the test.
 */
export class FakePeerConnection implements PeerConnectionLike {
  signalingState = 'stable';
  iceConnectionState = 'new';
  connectionState = 'new';
  localDescription: SessionDescription | null = null;
  remoteDescription: SessionDescription | null = null;
  readonly transceivers: TransceiverLike[] = [];
  readonly remoteCandidates: IceCandidateInit[] = [];
  readonly offerOptions: Array<{ iceRestart?: boolean } | undefined> = [];
  closed = false;
  onicecandidate: ((event: { candidate: IceCandidateInit | null }) => void) | null = null;
  ontrack: ((event: { track: MediaTrackLike; transceiver?: TransceiverLike }) => void) | null =
    null;
  oniceconnectionstatechange: (() => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  #offers = 0;

  async createOffer(options?: { iceRestart?: boolean }): Promise<SessionDescription> {
    this.offerOptions.push(options);
    return { type: 'offer', sdp: `offer-${++this.#offers}` };
  }

  async createAnswer(): Promise<SessionDescription> {
    return { type: 'answer', sdp: 'answer' };
  }

  async setLocalDescription(description: SessionDescription): Promise<void> {
    this.localDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-local-offer' : 'stable';
    queueMicrotask(() =>
      this.onicecandidate?.({
        candidate: {
          candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
          sdpMid: '0',
          sdpMLineIndex: 0,
        },
      }),
    );
  }

  async setRemoteDescription(description: SessionDescription): Promise<void> {
    this.remoteDescription = description;
    this.signalingState = description.type === 'offer' ? 'have-remote-offer' : 'stable';
    if (description.type === 'offer' && this.transceivers.length === 0) {
      this.addTransceiver('audio', { direction: 'recvonly' });
    }
  }

  async addIceCandidate(candidate: IceCandidateInit): Promise<void> {
    this.remoteCandidates.push(candidate);
  }

  addTrack(track: MediaTrackLike): unknown {
    const free = this.transceivers.find(
      (t) => t.sender.track === null && t.receiver.track.kind === track.kind,
    );
    if (free !== undefined) {
      (free.sender as { track: MediaTrackLike | null }).track = track;
      free.direction = 'sendrecv';
      return free.sender;
    }
    return this.addTransceiver(track, { direction: 'sendrecv' }).sender;
  }

  addTransceiver(
    trackOrKind: MediaTrackLike | 'audio' | 'video',
    init?: { direction?: string },
  ): TransceiverLike {
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    const transceiver: TransceiverLike = {
      mid: String(this.transceivers.length),
      direction: init?.direction ?? 'sendrecv',
      receiver: { track: new FakeTrack(kind) },
      sender: { track: typeof trackOrKind === 'string' ? null : trackOrKind },
    };
    this.transceivers.push(transceiver);
    return transceiver;
  }

  getTransceivers(): TransceiverLike[] {
    return this.transceivers;
  }

  close(): void {
    this.closed = true;
    this.signalingState = 'closed';
  }

  /** Test helper: changes the ICE state and fires the handler. */
  setIceState(state: string): void {
    this.iceConnectionState = state;
    this.oniceconnectionstatechange?.();
  }

  /** Test helper: delivers a remote audio track. */
  deliverTrack(): MediaTrackLike {
    const track = new FakeTrack('audio');
    this.ontrack?.({ track });
    return track;
  }
}

/** @internal A media stack for unit tests; records what was created. */
export class FakeMediaStack implements MediaStack {
  readonly name = 'fake';
  readonly peerConnections: FakePeerConnection[] = [];
  readonly sources: Array<{ frames: Int16Array[]; track: FakeTrack }> = [];
  readonly sinks: Array<{
    track: MediaTrackLike;
    deliver(frame: RawAudioFrame): void;
    stopped: boolean;
  }> = [];

  createPeerConnection(): PeerConnectionLike {
    const pc = new FakePeerConnection();
    this.peerConnections.push(pc);
    return pc;
  }

  createAudioSource(): AudioSourceAdapter {
    const entry = { frames: [] as Int16Array[], track: new FakeTrack('audio') };
    this.sources.push(entry);
    return {
      track: entry.track,
      pushFrame: (samples) => entry.frames.push(samples),
      close: () => entry.track.stop(),
    };
  }

  createAudioSink(
    track: MediaTrackLike,
    onFrame: (frame: RawAudioFrame) => void,
  ): AudioSinkAdapter {
    const sink = { track, deliver: onFrame, stopped: false };
    this.sinks.push(sink);
    return {
      stop: () => {
        sink.stopped = true;
      },
    };
  }
}
