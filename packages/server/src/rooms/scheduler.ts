/** Cancels a scheduled callback. */
export type Cancel = () => void;

/** One-shot and repeating timers, injectable so tests can drive time by hand. */
export interface Scheduler {
  /** Runs `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): Cancel;
  /** Runs `fn` every `ms` milliseconds. */
  every(ms: number, fn: () => void): Cancel;
}

/** Node's timers, unref'd so room timers never keep the process alive. */
export const realScheduler: Scheduler = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
