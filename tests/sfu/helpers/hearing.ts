import { setTimeout as sleep } from 'node:timers/promises';
import { dominantFrequency, rms } from './audio.js';
import type { Subscription } from './sfu-peer.js';

/** What a subscription played in the last second (measured after waiting for fresh audio). */
export interface Heard {
  /** The frequency with the most power (see {@link dominantFrequency}); 0 without new audio. */
  frequency: number;
  /** Root mean square of that second (0 without new audio). */
  rms: number;
  /** Whether the track played a new second at all. */
  fresh: boolean;
}

/**
 * Waits until the subscription's track played one more second than it had when called (bounded by
 * `timeoutMs`), then measures that last second. Old recordings never count: a stream that stopped
 * is reported with `fresh: false`.
 */
export async function listen(subscription: Subscription, timeoutMs = 5_000): Promise<Heard> {
  const audio = await subscription.recorder;
  const wanted = audio.frames + 100;
  const deadline = Date.now() + timeoutMs;
  while (audio.frames < wanted) {
    if (Date.now() > deadline) {
      return { frequency: 0, rms: 0, fresh: false };
    }
    await sleep(50);
  }
  const samples = audio.lastSeconds(1);
  return {
    frequency: dominantFrequency(samples, audio.sampleRate),
    rms: rms(samples),
    fresh: true,
  };
}

/** The dominant frequency of the next second the subscription plays (0 when it plays none). */
export async function hears(subscription: Subscription, timeoutMs?: number): Promise<number> {
  return (await listen(subscription, timeoutMs)).frequency;
}

/**
 * Polls {@link hears} until the subscription plays `frequency` (a new connection needs a moment
 * before its audio is clean); resolves with the last frequency heard, which the caller asserts.
 */
export async function hearsWithin(
  subscription: Subscription,
  frequency: number,
  timeoutMs = 8_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const heard = await hears(subscription, Math.max(1_000, deadline - Date.now()));
    if (heard === frequency || Date.now() > deadline) {
      return heard;
    }
  }
}

/**
 * Polls {@link listen} until the subscription plays silence (or nothing at all); resolves with the
 * last measurement, which the caller asserts.
 */
export async function silentWithin(subscription: Subscription, timeoutMs = 8_000): Promise<Heard> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const heard = await listen(subscription, Math.max(1_000, deadline - Date.now()));
    if (!heard.fresh || heard.rms < SILENCE_RMS || Date.now() > deadline) {
      return heard;
    }
  }
}

/** Below this root mean square a second of audio counts as silence (a tone here is ~0.1). */
export const SILENCE_RMS = 0.01;
