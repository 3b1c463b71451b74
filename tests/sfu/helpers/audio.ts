import { createRequire } from 'node:module';

/** The parts of a WebRTC peer connection the tests use (`@roamhq/wrtc`, standard API). */
export interface PeerConnection {
  createOffer(): Promise<SessionDescription>;
  createAnswer(): Promise<SessionDescription>;
  setLocalDescription(description: SessionDescription): Promise<void>;
  setRemoteDescription(description: SessionDescription): Promise<void>;
  addIceCandidate(candidate: IceCandidate): Promise<void>;
  addTrack(track: unknown, ...streams: unknown[]): unknown;
  addTransceiver(kind: string, init?: { direction?: string }): unknown;
  getStats(): Promise<Map<string, Record<string, unknown>>>;
  close(): void;
  readonly connectionState: string;
  readonly remoteDescription: SessionDescription | null;
  readonly iceConnectionState: string;
  onicecandidate: ((event: { candidate: IceCandidate | null }) => void) | null;
  ontrack: ((event: { track: { kind: string } }) => void) | null;
  onconnectionstatechange: (() => void) | null;
}

export interface SessionDescription {
  type: string;
  sdp: string;
}

export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

interface AudioData {
  samples: Int16Array;
  sampleRate: number;
  bitsPerSample?: number;
  channelCount?: number;
  numberOfFrames?: number;
}

interface Wrtc {
  RTCPeerConnection: new (config?: Record<string, unknown>) => PeerConnection;
  MediaStream: new (tracks?: unknown[]) => unknown;
  nonstandard: {
    RTCAudioSource: new () => { createTrack(): { stop(): void }; onData(data: AudioData): void };
    RTCAudioSink: new (
      track: unknown,
    ) => { stop(): void; ondata: ((data: AudioData) => void) | null };
  };
}

/** `@roamhq/wrtc` (libwebrtc for Node), loaded lazily so files can be listed without it. */
export function wrtc(): Wrtc {
  const require = createRequire(import.meta.url);
  return require('@roamhq/wrtc') as Wrtc;
}

const RATE = 48_000;
const FRAME = RATE / 100;

/** A sine tone fed into a WebRTC audio track in 10 ms frames. */
export class ToneSource {
  readonly track: { stop(): void };
  readonly #source: InstanceType<Wrtc['nonstandard']['RTCAudioSource']>;
  readonly #timer: NodeJS.Timeout;
  #phase = 0;

  constructor(frequency: number, amplitude = 0.3) {
    const { RTCAudioSource } = wrtc().nonstandard;
    this.#source = new RTCAudioSource();
    this.track = this.#source.createTrack();
    const step = (2 * Math.PI * frequency) / RATE;
    this.#timer = setInterval(() => {
      const samples = new Int16Array(FRAME);
      for (let i = 0; i < FRAME; i++) {
        samples[i] = Math.round(Math.sin(this.#phase) * amplitude * 32767);
        this.#phase += step;
      }
      this.#phase %= 2 * Math.PI;
      this.#source.onData({ samples, sampleRate: RATE, bitsPerSample: 16, channelCount: 1 });
    }, 10);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.track.stop();
  }
}

/** Collects the PCM a remote audio track plays (first channel), with its sample rate. */
export class AudioRecorder {
  readonly #sink: InstanceType<Wrtc['nonstandard']['RTCAudioSink']>;
  readonly #chunks: Int16Array[] = [];
  sampleRate = RATE;
  frames = 0;

  constructor(track: unknown) {
    const { RTCAudioSink } = wrtc().nonstandard;
    this.#sink = new RTCAudioSink(track);
    this.#sink.ondata = (data) => {
      this.frames += 1;
      this.sampleRate = data.sampleRate;
      const channels = data.channelCount ?? 1;
      if (channels === 1) {
        this.#chunks.push(Int16Array.from(data.samples));
        return;
      }
      const mono = new Int16Array(data.samples.length / channels);
      for (let i = 0; i < mono.length; i++) {
        mono[i] = data.samples[i * channels] ?? 0;
      }
      this.#chunks.push(mono);
    };
  }

  /** The last `seconds` of audio as floats in [-1, 1]. */
  lastSeconds(seconds: number): Float64Array {
    const wanted = Math.round(seconds * this.sampleRate);
    const out = new Float64Array(wanted);
    let filled = 0;
    for (let c = this.#chunks.length - 1; c >= 0 && filled < wanted; c--) {
      const chunk = this.#chunks[c] as Int16Array;
      for (let i = chunk.length - 1; i >= 0 && filled < wanted; i--) {
        out[wanted - 1 - filled] = (chunk[i] as number) / 32768;
        filled += 1;
      }
    }
    return filled === wanted ? out : out.subarray(wanted - filled);
  }

  stop(): void {
    this.#sink.stop();
  }
}

/** Power of `frequency` in `samples` (Goertzel). */
export function goertzel(samples: Float64Array, sampleRate: number, frequency: number): number {
  const k = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/** The frequency (10 Hz steps between 100 Hz and 2 kHz) with the most power. */
export function dominantFrequency(samples: Float64Array, sampleRate: number): number {
  let best = 0;
  let bestPower = -1;
  for (let f = 100; f <= 2_000; f += 10) {
    const power = goertzel(samples, sampleRate, f);
    if (power > bestPower) {
      best = f;
      bestPower = power;
    }
  }
  return best;
}

/** Root mean square of the samples. */
export function rms(samples: Float64Array): number {
  let sum = 0;
  for (const x of samples) {
    sum += x * x;
  }
  return Math.sqrt(sum / Math.max(1, samples.length));
}
