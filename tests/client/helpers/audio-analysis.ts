/** Goertzel power of `frequency` in `samples` (normalised by length). */
export function goertzelPower(samples: Int16Array, frequency: number, sampleRate = 48_000): number {
  const k = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.length;
}

/** The candidate frequency with the most power in `samples`. */
export function dominantFrequency(
  samples: Int16Array,
  candidates: readonly number[],
  sampleRate = 48_000,
): { frequency: number; ratio: number } {
  const powers = candidates.map((f) => ({ f, p: goertzelPower(samples, f, sampleRate) }));
  powers.sort((a, b) => b.p - a.p);
  const best = powers[0] ?? { f: 0, p: 0 };
  const second = powers[1]?.p ?? 0;
  return { frequency: best.f, ratio: second === 0 ? Number.POSITIVE_INFINITY : best.p / second };
}

/** Concatenates frames into one buffer. */
export function concatFrames(frames: readonly Int16Array[]): Int16Array {
  const all = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let offset = 0;
  for (const frame of frames) {
    all.set(frame, offset);
    offset += frame.length;
  }
  return all;
}
