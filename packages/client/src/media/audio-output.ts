import { ClientError } from '../util/client-error.js';
import type { PcmSource } from './audio-sources.js';
import type { AudioSourceAdapter, MediaTrackLike } from './media-stack.js';
import { FRAME_SAMPLES } from './pcm.js';

const FRAME_MS = 10;
/** When the event loop stalls longer than this, skip ahead instead of bursting. */
const MAX_CATCH_UP_MS = 200;

/**
 * The outgoing audio track: a real-time pump that pushes one 10 ms frame into the stack's audio
 * source every 10 ms, from the current {@link PcmSource}, or silence when there is none (an
 * encoder that gets no input stalls the stream on some receivers). Timer jitter is absorbed by
 * pushing as many frames as are due. With a native track in use ({@link useTrack}) nothing is
 * pushed: the stack sends that track.
 */
export class AudioOutput {
  readonly #adapter: AudioSourceAdapter;
  readonly #silence = new Int16Array(FRAME_SAMPLES);
  #source: PcmSource | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #nextAt = 0;
  #framesSent = 0;
  #onEnded: (() => void) | undefined;
  #nativeTrack: MediaTrackLike | undefined;

  constructor(adapter: AudioSourceAdapter) {
    this.#adapter = adapter;
  }

  /** The local track to attach to peer connections. */
  get track(): MediaTrackLike {
    return this.#adapter.track;
  }

  /** Frames pushed so far (silence included). */
  get framesSent(): number {
    return this.#framesSent;
  }

  /** Plays `source` from now on (undefined: silence); `onEnded` fires when it ends. */
  play(source: PcmSource | undefined, onEnded?: () => void): void {
    if (this.#nativeTrack !== undefined) {
      this.#nativeTrack = undefined;
      this.#adapter.useTrack?.(null);
    }
    this.#source = source;
    this.#onEnded = onEnded;
  }

  /**
   * Sends a native track of the stack (a browser's microphone) instead of PCM, until the next
   * {@link play}. Throws `media_unavailable` when the stack cannot.
   */
  useTrack(track: MediaTrackLike): void {
    if (this.#adapter.useTrack === undefined) {
      throw new ClientError(
        'media_unavailable',
        'this media stack cannot send native tracks; send PCM (a tone, a WAV file or a source)',
      );
    }
    this.#adapter.useTrack(track);
    this.#nativeTrack = track;
    this.#source = undefined;
    this.#onEnded = undefined;
  }

  /** The native track sent instead of PCM, if any. */
  get nativeTrack(): MediaTrackLike | undefined {
    return this.#nativeTrack;
  }

  /** The source playing now. */
  get source(): PcmSource | undefined {
    return this.#source;
  }

  /** Starts pumping (idempotent). */
  start(): void {
    if (this.#timer !== undefined) {
      return;
    }
    this.#nextAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), FRAME_MS);
    this.#timer.unref?.();
  }

  /** Stops pumping and releases the track; idempotent. */
  close(): void {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
    this.#adapter.close();
  }

  #tick(): void {
    const now = performance.now();
    if (now - this.#nextAt > MAX_CATCH_UP_MS) {
      this.#nextAt = now - FRAME_MS;
    }
    if (this.#nativeTrack !== undefined) {
      this.#nextAt = now;
      return;
    }
    while (this.#nextAt <= now) {
      this.#adapter.pushFrame(this.#nextFrame());
      this.#framesSent++;
      this.#nextAt += FRAME_MS;
    }
  }

  #nextFrame(): Int16Array {
    const source = this.#source;
    if (source === undefined) {
      return this.#silence;
    }
    const frame = source.nextFrame();
    if (source.ended) {
      this.#source = undefined;
      const onEnded = this.#onEnded;
      this.#onEnded = undefined;
      onEnded?.();
    }
    return frame ?? this.#silence;
  }
}
