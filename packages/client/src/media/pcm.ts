/** The client's PCM format everywhere: 48 kHz, mono, signed 16 bit. */
export const SAMPLE_RATE = 48_000;

/** Samples in one 10 ms frame at {@link SAMPLE_RATE}. */
export const FRAME_SAMPLES = 480;

/** Mixes interleaved channels down to mono. */
export function downmix(samples: Int16Array, channels: number): Int16Array {
  if (channels <= 1) {
    return samples;
  }
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      sum += samples[i * channels + c] ?? 0;
    }
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/** Linear resampling of mono samples from `fromRate` to `toRate` (good enough for speech). */
export function resample(samples: Int16Array, fromRate: number, toRate = SAMPLE_RATE): Int16Array {
  if (fromRate === toRate || samples.length === 0) {
    return samples;
  }
  const outLength = Math.max(1, Math.round((samples.length * toRate) / fromRate));
  const out = new Int16Array(outLength);
  const step = fromRate / toRate;
  for (let i = 0; i < outLength; i++) {
    const pos = i * step;
    const i0 = Math.floor(pos);
    const frac = pos - i0;
    const a = samples[i0] ?? 0;
    const b = samples[Math.min(i0 + 1, samples.length - 1)] ?? a;
    out[i] = Math.round(a + (b - a) * frac);
  }
  return out;
}

/** Converts any interleaved 16-bit PCM to 48 kHz mono. */
export function toMono48k(samples: Int16Array, sampleRate: number, channels: number): Int16Array {
  return resample(downmix(samples, channels), sampleRate, SAMPLE_RATE);
}

/**
 * Cuts a stream of arbitrary-length chunks into exact 10 ms frames (480 samples); keeps the
 * remainder for the next chunk.
 */
export class FrameSplitter {
  #rest = new Int16Array(0);

  /** Returns every complete frame that `chunk` completes. */
  push(chunk: Int16Array): Int16Array[] {
    const all = new Int16Array(this.#rest.length + chunk.length);
    all.set(this.#rest, 0);
    all.set(chunk, this.#rest.length);
    const frames: Int16Array[] = [];
    let offset = 0;
    while (all.length - offset >= FRAME_SAMPLES) {
      frames.push(all.slice(offset, offset + FRAME_SAMPLES));
      offset += FRAME_SAMPLES;
    }
    this.#rest = all.slice(offset);
    return frames;
  }

  /** Samples waiting for a complete frame. */
  get pending(): number {
    return this.#rest.length;
  }
}

/** Root mean square level of a frame, 0…1. */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) {
    return 0;
  }
  let sum = 0;
  for (const s of samples) {
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length) / 32768;
}
