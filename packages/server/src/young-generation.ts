import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Default cap of the young generation: 8 MiB of committed `new_space` (both semi-spaces). V8's own
 * limit is 32 MiB; it grows there during a burst of connections (every new session survives its
 * first scavenges) and stays there while the server is idle. Measured with the bench: 8 MiB less
 * RSS at 1000 idle sessions, 20 MiB less at 10 000; saturated message loads never grow it past
 * 16 MiB anyway, and at 8 MiB they spend about 0.5 % more CPU in scavenges (a cap of 2 MiB, i.e.
 * no growth at all, cost about 2 %).
 */
export const DEFAULT_YOUNG_GENERATION_CAP = 8 * 1024 * 1024;

/** V8's default `--semi-space-growth-factor`. */
const DEFAULT_GROWTH_FACTOR = 2;

/** Node/V8 options by which an operator sizes the young generation; with any of them, hands off. */
const SIZING_OPTIONS =
  /^--(max|min)[-_]semi[-_]space[-_]size\b|^--semi[-_]space[-_]growth[-_]factor\b/;

/**
 * The `--semi-space-growth-factor` for a young generation of `size` bytes: V8's default while one
 * more doubling stays within `cap`, 1 (no growth) after that.
 */
export function growthFactor(size: number, cap: number): number {
  return size * DEFAULT_GROWTH_FACTOR <= cap ? DEFAULT_GROWTH_FACTOR : 1;
}

/** Whether the command line or `NODE_OPTIONS` already sizes the young generation. */
export function sizedByOperator(options: readonly string[]): boolean {
  return options.some((option) => SIZING_OPTIONS.test(option));
}

function youngGenerationSize(): number {
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') {
      return space.space_size;
    }
  }
  return 0;
}

/**
 * Keeps V8's young generation at about `cap` bytes without a command-line flag (the server runs as
 * plain `node bin/signaling`, so `--max-semi-space-size` cannot be relied on, and that flag is
 * only read when the heap is set up): after garbage collections the growth factor, which V8 reads
 * at every growth, is set to 1 once another doubling would pass the cap, and back to V8's default
 * when V8 has shrunk the young generation again. The observer runs a turn or so after a
 * collection, so a burst of collections in between can still double it once past the cap. (V8 11,
 * Node 20's, raises a factor below 2 only when the heap is set up; should a later V8 do so at
 * runtime too, this silently does nothing.) Does nothing when the operator sized the young
 * generation with Node options. Returns a function that
 * stops watching (the growth factor stays as last set), or undefined if not started.
 */
export function capYoungGeneration(
  cap: number = DEFAULT_YOUNG_GENERATION_CAP,
  options: readonly string[] = [
    ...process.execArgv,
    ...(process.env.NODE_OPTIONS ?? '').split(/\s+/),
  ],
): (() => void) | undefined {
  if (sizedByOperator(options)) {
    return undefined;
  }
  let factor = DEFAULT_GROWTH_FACTOR;
  const apply = () => {
    const wanted = growthFactor(youngGenerationSize(), cap);
    if (wanted !== factor) {
      factor = wanted;
      setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
    }
  };
  apply();
  const observer = new PerformanceObserver(apply);
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
