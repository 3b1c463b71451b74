import { FRAME_SAMPLES, FrameSplitter, SAMPLE_RATE } from './pcm.js';

/**
 * Produces outgoing audio, one 10 ms frame (480 samples, 48 kHz mono, 16 bit) at a time.
 * `undefined` means "nothing right now" (silence is sent) or, with `ended`, "finished".
 */
export interface PcmSource {
  nextFrame(): Int16Array | undefined;
  /** True once the source will produce no more frames. */
  readonly ended: boolean;
}

/** A continuous sine tone. */
export class ToneSource implements PcmSource {
  readonly frequency: number;
  readonly #amplitude: number;
  #phase = 0;

  /** `amplitude` is 0…1 of full scale; default 0.3. */
  constructor(frequency: number, amplitude = 0.3) {
    this.frequency = frequency;
    this.#amplitude = Math.max(0, Math.min(1, amplitude)) * 32767;
  }

  get ended(): boolean {
    return false;
  }

  nextFrame(): Int16Array {
    const frame = new Int16Array(FRAME_SAMPLES);
    const step = (2 * Math.PI * this.frequency) / SAMPLE_RATE;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      frame[i] = Math.round(this.#amplitude * Math.sin(this.#phase));
      this.#phase += step;
    }
    this.#phase %= 2 * Math.PI;
    return frame;
  }
}

/** Plays 48 kHz mono samples once (or in a loop). */
export class BufferSource implements PcmSource {
  readonly #samples: Int16Array;
  readonly #loop: boolean;
  #offset = 0;

  constructor(samples: Int16Array, options: { loop?: boolean } = {}) {
    this.#samples = samples;
    this.#loop = options.loop ?? false;
  }

  get ended(): boolean {
    return !this.#loop && this.#offset >= this.#samples.length;
  }

  nextFrame(): Int16Array | undefined {
    if (this.#samples.length === 0 || this.ended) {
      return undefined;
    }
    const frame = new Int16Array(FRAME_SAMPLES);
    let filled = 0;
    while (filled < FRAME_SAMPLES) {
      if (this.#offset >= this.#samples.length) {
        if (!this.#loop) {
          break;
        }
        this.#offset = 0;
      }
      const take = Math.min(FRAME_SAMPLES - filled, this.#samples.length - this.#offset);
      frame.set(this.#samples.subarray(this.#offset, this.#offset + take), filled);
      filled += take;
      this.#offset += take;
    }
    return frame;
  }
}

/**
 * PCM pushed by the application (a TTS engine, a voice agent …) in chunks of any length; queued
 * and played in real time. Up to `maxBufferedMs` is kept (older audio is dropped).
 */
export class PcmQueueSource implements PcmSource {
  readonly #splitter = new FrameSplitter();
  readonly #frames: Int16Array[] = [];
  readonly #maxFrames: number;
  #ended = false;

  constructor(options: { maxBufferedMs?: number } = {}) {
    this.#maxFrames = Math.ceil((options.maxBufferedMs ?? 60_000) / 10);
  }

  /** Queues 48 kHz mono samples. */
  write(samples: Int16Array): void {
    for (const frame of this.#splitter.push(samples)) {
      this.#frames.push(frame);
    }
    while (this.#frames.length > this.#maxFrames) {
      this.#frames.shift();
    }
  }

  /** Milliseconds of audio queued. */
  get bufferedMs(): number {
    return this.#frames.length * 10;
  }

  /** Drops queued audio (barge-in). */
  clear(): void {
    this.#frames.length = 0;
  }

  /** No more writes; the source ends once the queue is played. */
  end(): void {
    this.#ended = true;
  }

  get ended(): boolean {
    return this.#ended && this.#frames.length === 0;
  }

  nextFrame(): Int16Array | undefined {
    return this.#frames.shift();
  }
}
