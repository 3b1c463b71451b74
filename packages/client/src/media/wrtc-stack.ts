import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ClientError } from '../util/client-error.js';
import type {
  AudioSinkAdapter,
  AudioSourceAdapter,
  MediaStack,
  MediaTrackLike,
  PeerConnectionConfig,
  PeerConnectionLike,
  RawAudioFrame,
  VideoSinkAdapter,
  VideoSourceAdapter,
} from './media-stack.js';
import { FRAME_SAMPLES, SAMPLE_RATE } from './pcm.js';
import type { I420Frame, VideoFrame } from './video-frame.js';

interface WrtcAudioData {
  samples: Int16Array;
  sampleRate: number;
  bitsPerSample?: number;
  channelCount?: number;
  numberOfFrames?: number;
}

interface WrtcModule {
  RTCPeerConnection: new (config: PeerConnectionConfig) => PeerConnectionLike;
  nonstandard: {
    RTCAudioSource: new () => {
      createTrack(): MediaTrackLike;
      onData(data: WrtcAudioData): void;
    };
    RTCAudioSink: new (
      track: MediaTrackLike,
    ) => { ondata: ((data: WrtcAudioData) => void) | null; stop(): void };
    RTCVideoSource: new (init?: {
      isScreencast?: boolean;
    }) => { createTrack(): MediaTrackLike; onFrame(frame: I420Frame): void };
    RTCVideoSink: new (
      track: MediaTrackLike,
    ) => { onframe: ((event: { frame: I420Frame }) => void) | null; stop(): void };
  };
}

let loading: Promise<MediaStack> | undefined;

let gc: (() => void) | undefined;

/**
 * Runs V8's garbage collector a few times. wrtc frees libwebrtc objects in destructors; when those
 * only run during Node's exit-time cleanup, V8 is already gone and the process crashes (SIGSEGV,
 * node-webrtc issue #636). Collecting while the client closes runs them in time. Needs a `gc`
 * function: `--expose-gc`, or the flag set at run time.
 */
async function collectGarbage(): Promise<void> {
  try {
    if (gc === undefined) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  } catch {
    return;
  }
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
}

/**
 * Loads `@roamhq/wrtc` (libwebrtc shipped inside the npm package: Opus, jitter buffer and loss
 * concealment included) and adapts it to {@link MediaStack}. Rejects with
 * `ClientError('media_unavailable')` when the package cannot be loaded on this platform.
 */
export function loadWrtcStack(): Promise<MediaStack> {
  loading ??= (async () => {
    const specifier = '@roamhq/wrtc';
    let mod: WrtcModule;
    try {
      const imported = (await import(specifier)) as { default?: WrtcModule } & WrtcModule;
      mod = imported.default ?? imported;
    } catch (cause) {
      loading = undefined;
      throw new ClientError(
        'media_unavailable',
        'cannot load @roamhq/wrtc (install it, or pass a media stack)',
        { cause },
      );
    }
    return wrtcStack(mod);
  })();
  return loading;
}

function wrtcStack(mod: WrtcModule): MediaStack {
  const { RTCAudioSource, RTCAudioSink, RTCVideoSource, RTCVideoSink } = mod.nonstandard;
  return {
    name: '@roamhq/wrtc',
    createPeerConnection: (config) => new mod.RTCPeerConnection(config),
    createAudioSource(): AudioSourceAdapter {
      const source = new RTCAudioSource();
      const track = source.createTrack();
      return {
        track,
        pushFrame(samples) {
          source.onData({
            samples,
            sampleRate: SAMPLE_RATE,
            bitsPerSample: 16,
            channelCount: 1,
            numberOfFrames: FRAME_SAMPLES,
          });
        },
        close() {
          track.stop();
        },
      };
    },
    createAudioSink(track, onFrame: (frame: RawAudioFrame) => void): AudioSinkAdapter {
      const sink = new RTCAudioSink(track);
      sink.ondata = (data) => {
        onFrame({
          samples: data.samples,
          sampleRate: data.sampleRate,
          channelCount: data.channelCount ?? 1,
        });
      };
      return {
        stop() {
          sink.ondata = null;
          sink.stop();
        },
      };
    },
    createVideoSource({ screencast }): VideoSourceAdapter {
      const source = new RTCVideoSource({ isScreencast: screencast });
      const track = source.createTrack();
      return {
        track,
        pushFrame(frame) {
          // The addon wants a buffer of exactly the picture (not a view into a larger one).
          const whole =
            frame.data.byteOffset === 0 && frame.data.buffer.byteLength === frame.data.length;
          const data = whole ? frame.data : frame.data.slice();
          source.onFrame({ width: frame.width, height: frame.height, data });
        },
        close() {
          track.stop();
        },
      };
    },
    createVideoSink(track, onFrame: (frame: VideoFrame) => void): VideoSinkAdapter {
      const sink = new RTCVideoSink(track);
      sink.onframe = ({ frame }) => {
        // The sink reuses its buffer: copy before the next picture overwrites it.
        onFrame({
          width: frame.width,
          height: frame.height,
          data: frame.data.slice(),
          timestampMs: performance.now(),
        });
      };
      return {
        stop() {
          sink.onframe = null;
          sink.stop();
        },
      };
    },
    release: collectGarbage,
  };
}
