/**
 * Collects latency samples (µs) with a fixed memory bound: the first `capacity` samples are kept,
 * later ones replace random slots (reservoir sampling), so percentiles stay unbiased for any count.
 */
export class LatencyRecorder {
  readonly #samples: Float64Array;
  #count = 0;
  #seen = 0;
  #max = 0;
  #sum = 0;

  constructor(capacity = 200_000) {
    this.#samples = new Float64Array(capacity);
  }

  add(micros: number): void {
    this.#seen++;
    this.#sum += micros;
    if (micros > this.#max) {
      this.#max = micros;
    }
    if (this.#count < this.#samples.length) {
      this.#samples[this.#count++] = micros;
      return;
    }
    const slot = Math.floor(Math.random() * this.#seen);
    if (slot < this.#samples.length) {
      this.#samples[slot] = micros;
    }
  }

  /** Samples recorded (not only the kept ones). */
  get count(): number {
    return this.#seen;
  }

  reset(): void {
    this.#count = 0;
    this.#seen = 0;
    this.#max = 0;
    this.#sum = 0;
  }

  /** Percentiles in milliseconds (nearest rank), undefined when empty. */
  summary(): LatencySummary | undefined {
    if (this.#count === 0) {
      return undefined;
    }
    const sorted = this.#samples.slice(0, this.#count).sort();
    const rank = (p: number) =>
      (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0) /
      1000;
    return {
      count: this.#seen,
      p50: rank(0.5),
      p99: rank(0.99),
      max: this.#max / 1000,
      mean: this.#sum / this.#seen / 1000,
    };
  }
}

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}
