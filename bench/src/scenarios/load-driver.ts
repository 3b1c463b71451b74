import { setTimeout as delay } from 'node:timers/promises';
import { LatencyRecorder, type LatencySummary } from '../stats/latency.js';
import type { WindowMeter, WindowReading } from './scenario.js';

/**
 * Counters shared by a load phase: deliveries seen by receivers and their latencies. Senders keep
 * a bounded number of deliveries in flight, so a phase cannot flood a slow server without bound.
 */
export class DeliveryStats {
  delivered = 0;
  inFlight = 0;
  readonly latency = new LatencyRecorder();
  #lastProgressAt = performance.now();
  #lastDelivered = 0;

  /** Records one delivery stamped `stamp` (µs) received at `now` (µs). */
  record(stamp: number, now: number): void {
    this.delivered++;
    this.inFlight--;
    if (stamp >= 0) {
      this.latency.add(now - stamp);
    }
  }

  reset(): void {
    this.delivered = 0;
    this.#lastDelivered = 0;
    this.latency.reset();
  }

  /** True when deliveries are outstanding but none arrived for `ms`. */
  stalled(ms: number): boolean {
    const now = performance.now();
    if (this.delivered !== this.#lastDelivered || this.inFlight <= 0) {
      this.#lastDelivered = this.delivered;
      this.#lastProgressAt = now;
      return false;
    }
    return now - this.#lastProgressAt > ms;
  }
}

/** Result of a saturation window. */
export interface SaturationResult {
  delivered: number;
  wallSeconds: number;
  serverCpuSeconds: number;
  cpu: WindowReading;
  latency: LatencySummary | undefined;
  stalled: boolean;
}

/**
 * Runs the saturation phase whose senders were already started: waits `warmupS`, resets the
 * counters, measures for `durationS` (or until `maxDeliveries`), then calls `stop()` and waits for
 * in-flight deliveries to drain (at most 2 s).
 */
export async function measureSaturation(options: {
  stats: DeliveryStats;
  meter: WindowMeter;
  warmupS: number;
  durationS: number;
  maxDeliveries: number;
  stop: () => void;
}): Promise<SaturationResult> {
  const { stats, meter } = options;
  let stalled = false;
  const until = async (endAt: number, maxDeliveries: number) => {
    while (performance.now() < endAt && stats.delivered < maxDeliveries) {
      await delay(20);
      if (stats.stalled(2000)) {
        stalled = true;
        return;
      }
    }
  };
  await until(performance.now() + options.warmupS * 1000, Number.POSITIVE_INFINITY);
  stats.reset();
  meter.start();
  if (!stalled) {
    await until(performance.now() + options.durationS * 1000, options.maxDeliveries);
  }
  const cpu = meter.read();
  const delivered = stats.delivered;
  const latency = stats.latency.summary();
  options.stop();
  await drain(stats, 2000);
  return {
    delivered,
    wallSeconds: cpu.wall,
    serverCpuSeconds: cpu.serverCpuSeconds,
    cpu,
    latency,
    stalled,
  };
}

/** Waits until nothing is in flight, at most `ms`. Lost deliveries are then written off. */
export async function drain(stats: DeliveryStats, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (stats.inFlight > 0 && performance.now() < deadline) {
    await delay(10);
  }
  stats.inFlight = 0;
}

/** Result of an open-loop phase. */
export interface FixedRateResult {
  sent: number;
  /** Sends skipped because the backlog exceeded half a second of traffic. */
  skipped: number;
  latency: LatencySummary | undefined;
  deliveredRate: number;
}

/**
 * Open loop: `send()` is called `rate` times per second for `durationS` (driven by a 1 ms timer,
 * several sends per tick when needed), then in-flight deliveries drain. `send` returns the number
 * of deliveries it expects. Latency is measured at a load both servers can carry.
 */
export async function runFixedRate(options: {
  stats: DeliveryStats;
  rate: number;
  durationS: number;
  deliveriesPerSend: number;
  send: () => void;
}): Promise<FixedRateResult> {
  const { stats, rate } = options;
  stats.reset();
  stats.inFlight = 0;
  const maxInFlight = Math.max(options.deliveriesPerSend, (rate * options.deliveriesPerSend) / 2);
  let sent = 0;
  let skipped = 0;
  const started = performance.now();
  const endAt = started + options.durationS * 1000;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      if (now >= endAt) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.floor(((now - started) / 1000) * rate) - sent - skipped;
      for (let i = 0; i < due; i++) {
        if (stats.inFlight >= maxInFlight) {
          skipped++;
          continue;
        }
        options.send();
        stats.inFlight += options.deliveriesPerSend;
        sent++;
      }
    }, 1);
  });
  await drain(stats, 2000);
  return {
    sent,
    skipped,
    latency: stats.latency.summary(),
    deliveredRate: stats.delivered / options.durationS,
  };
}
