import { ClientError } from '../util/client-error.js';
import { browserVideoSink, trackProcessor } from './browser-video-sink.js';
import type {
  AudioSinkAdapter,
  AudioSourceAdapter,
  MediaStack,
  MediaTrackLike,
  PeerConnectionLike,
  RawAudioFrame,
} from './media-stack.js';
import { resample, SAMPLE_RATE } from './pcm.js';
import { PCM_SINK_PROCESSOR, PCM_SOURCE_PROCESSOR, PCM_WORKLET_SOURCE } from './pcm-worklet.js';
import type { VideoFrame } from './video-frame.js';
import type {
  WebAudioContext,
  WebAudioElement,
  WebAudioNode,
  WebMediaGlobals,
} from './web-media-types.js';

/** Options of {@link browserMediaStack}. */
export interface BrowserMediaStackOptions {
  /**
   * Play every participant's audio through the speakers (one `<audio>` element per remote
   * track, not attached to the page); default true. Received audio is delivered as PCM frames
   * (`audioFrame`) either way.
   */
  playRemoteAudio?: boolean;
  /**
   * The Web Audio context to use, e.g. one created in a click handler so that the browser lets
   * it run. Default: a new 48 kHz context, closed when the client that used the stack closes.
   */
  audioContext?: unknown;
  /** The browser globals (tests); default `globalThis`. */
  globals?: WebMediaGlobals;
}

/** The browser's WebRTC and Web Audio, adapted to {@link MediaStack}. */
export interface BrowserMediaStack extends MediaStack {
  /** The Web Audio context all sources and sinks run in (an `AudioContext`). */
  readonly audioContext: unknown;
  /**
   * Resumes the audio context. Browsers start contexts suspended until the page got a user
   * gesture; call this from a click handler if {@link audioContext} is not `running`.
   */
  resume(): Promise<void>;
  /** The peer connections made so far that are not closed (for `getStats()` and diagnostics). */
  peerConnections(): PeerConnectionLike[];
  /** Closes the audio context (also done on release when the stack created it). */
  close(): Promise<void>;
}

function webGlobals(): WebMediaGlobals {
  const g = globalThis as Partial<WebMediaGlobals>;
  const needed = ['RTCPeerConnection', 'AudioContext', 'AudioWorkletNode', 'MediaStream'] as const;
  const missing: string[] = needed.filter((name) => typeof g[name] !== 'function');
  if (g.document === undefined) {
    missing.push('document');
  }
  if (missing.length > 0) {
    throw new ClientError(
      'media_unavailable',
      `this runtime lacks ${missing.join(', ')}: the browser media stack needs a browser (in Node use the default stack)`,
    );
  }
  return g as WebMediaGlobals;
}

function toFloat32(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    out[i] = (samples[i] ?? 0) / 32768;
  }
  return out;
}

function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.max(-1, Math.min(1, samples[i] ?? 0));
    out[i] = Math.round(v * 32767);
  }
  return out;
}

/**
 * The media stack for browsers: the page's own `RTCPeerConnection`, with PCM in and out through
 * an AudioWorklet. Outgoing PCM (a tone, a `PcmSource`) is played into a
 * `MediaStreamAudioDestinationNode` whose track is sent; a native track (the microphone from
 * `getUserMedia`, via `joinCall({ audio: { track } })`) is routed into the same destination, so
 * switching between the two needs no renegotiation. Every remote audio track is tapped for 10 ms
 * PCM frames and, unless `playRemoteAudio` is false, played by an `<audio>` element (Chrome
 * also needs that element for Web Audio to receive a remote WebRTC track at all, so it exists,
 * muted, either way).
 *
 * Async because the worklet module has to be loaded before the first source or sink is made.
 * The page must be a secure context (https, or http on localhost/127.0.0.1).
 */
export async function browserMediaStack(
  options: BrowserMediaStackOptions = {},
): Promise<BrowserMediaStack> {
  const g = options.globals ?? webGlobals();
  const ownsContext = options.audioContext === undefined;
  const ctx =
    (options.audioContext as WebAudioContext | undefined) ??
    new g.AudioContext({ sampleRate: SAMPLE_RATE });
  const moduleUrl = URL.createObjectURL(
    new Blob([PCM_WORKLET_SOURCE], { type: 'application/javascript' }),
  );
  try {
    await ctx.audioWorklet.addModule(moduleUrl);
  } catch (cause) {
    if (ownsContext) {
      await ctx.close().catch(() => undefined);
    }
    throw new ClientError('media_unavailable', 'cannot load the audio worklet', { cause });
  } finally {
    URL.revokeObjectURL(moduleUrl);
  }
  const playRemote = options.playRemoteAudio ?? true;
  const peers = new Set<PeerConnectionLike>();
  // Browsers start a context suspended without a user gesture; try now, the page may retry.
  ctx.resume().catch(() => undefined);

  const createAudioSource = (): AudioSourceAdapter => {
    const node = new g.AudioWorkletNode(ctx, PCM_SOURCE_PROCESSOR, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    const destination = ctx.createMediaStreamDestination();
    node.connect(destination);
    const track = destination.stream.getAudioTracks()[0];
    if (track === undefined) {
      throw new ClientError('media_unavailable', 'the audio destination has no track');
    }
    let native: WebAudioNode | undefined;
    return {
      track,
      pushFrame(samples) {
        const rate = ctx.sampleRate;
        const pcm = rate === SAMPLE_RATE ? samples : resample(samples, SAMPLE_RATE, rate);
        const floats = toFloat32(pcm);
        node.port.postMessage(floats, [floats.buffer]);
      },
      useTrack(input: MediaTrackLike | null) {
        native?.disconnect();
        native = undefined;
        if (input !== null) {
          native = ctx.createMediaStreamSource(new g.MediaStream([input]));
          native.connect(destination);
        }
      },
      close() {
        native?.disconnect();
        node.port.postMessage('stop');
        node.disconnect();
        track.stop();
      },
    };
  };

  const createAudioSink = (
    track: MediaTrackLike,
    onFrame: (frame: RawAudioFrame) => void,
  ): AudioSinkAdapter => {
    const stream = new g.MediaStream([track]);
    const element: WebAudioElement = g.document.createElement('audio');
    element.autoplay = true;
    element.muted = !playRemote;
    element.srcObject = stream;
    element.play().catch(() => undefined);
    const input = ctx.createMediaStreamSource(stream);
    const tap = new g.AudioWorkletNode(ctx, PCM_SINK_PROCESSOR, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
    });
    // A node that reaches the destination keeps being processed; the gain keeps it silent.
    const mute = ctx.createGain();
    mute.gain.value = 0;
    input.connect(tap);
    tap.connect(mute);
    mute.connect(ctx.destination);
    tap.port.onmessage = (event) => {
      if (event.data instanceof Float32Array) {
        onFrame({ samples: toInt16(event.data), sampleRate: ctx.sampleRate, channelCount: 1 });
      }
    };
    return {
      stop() {
        tap.port.onmessage = null;
        tap.port.postMessage('stop');
        input.disconnect();
        tap.disconnect();
        mute.disconnect();
        element.pause();
        element.srcObject = null;
      },
    };
  };

  const Processor = trackProcessor();
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await ctx.close().catch(() => undefined);
    }
  };

  return {
    name: 'browser',
    audioContext: ctx,
    createPeerConnection(config) {
      const pc = new g.RTCPeerConnection(config);
      peers.add(pc);
      return pc;
    },
    createAudioSource,
    createAudioSink,
    // Video is sent as native tracks (`{ track }`); received pictures need a track processor.
    ...(Processor === undefined
      ? {}
      : {
          createVideoSink: (track: MediaTrackLike, onFrame: (frame: VideoFrame) => void) =>
            browserVideoSink(Processor, track, onFrame),
        }),
    resume: () => ctx.resume(),
    peerConnections() {
      for (const pc of peers) {
        if (pc.signalingState === 'closed') {
          peers.delete(pc);
        }
      }
      return [...peers];
    },
    close,
    release: async () => {
      peers.clear();
      if (ownsContext) {
        await close();
      }
    },
  };
}
