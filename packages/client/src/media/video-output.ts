import { describeError } from '../util/client-error.js';
import type { VideoSourceAdapter } from './media-stack.js';
import { checkI420Frame } from './video-frame.js';
import type { VideoSource } from './video-sources.js';

/** When the event loop stalls longer than this, skip ahead instead of bursting pictures. */
const MAX_CATCH_UP_MS = 500;

/**
 * An outgoing video track (camera or screen): a pump that asks the current {@link VideoSource}
 * for a picture at its frame rate and pushes it into the stack's video source. A source that has
 * nothing new sends nothing (the receivers keep the last picture); an ended source stops the pump.
 */
export class VideoOutput {
  readonly #adapter: VideoSourceAdapter;
  readonly #source: VideoSource;
  #timer: ReturnType<typeof setInterval> | undefined;
  #nextAt = 0;
  #framesSent = 0;
  #failure: string | undefined;
  readonly #onFailure: (message: string) => void;

  /** `onFailure` hears why the pump stopped early (a source gave a malformed picture …). */
  constructor(
    adapter: VideoSourceAdapter,
    source: VideoSource,
    onFailure: (message: string) => void = () => undefined,
  ) {
    this.#adapter = adapter;
    this.#source = source;
    this.#onFailure = onFailure;
  }

  /** Why the pump stopped early, if it did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** The local track to attach to peer connections. */
  get track(): VideoSourceAdapter['track'] {
    return this.#adapter.track;
  }

  /** The source being sent. */
  get source(): VideoSource {
    return this.#source;
  }

  /** Pictures pushed so far. */
  get framesSent(): number {
    return this.#framesSent;
  }

  /** Starts pumping (idempotent). */
  start(): void {
    if (this.#timer !== undefined) {
      return;
    }
    const period = 1000 / this.#source.frameRate;
    this.#nextAt = performance.now();
    this.#timer = setInterval(() => this.#tick(period), Math.max(5, Math.floor(period / 2)));
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

  #tick(period: number): void {
    const now = performance.now();
    if (now - this.#nextAt > MAX_CATCH_UP_MS) {
      this.#nextAt = now;
    }
    if (this.#nextAt > now) {
      return;
    }
    this.#nextAt += period;
    // One picture per due tick at most: late pictures are not worth sending in a burst.
    while (this.#nextAt <= now) {
      this.#nextAt += period;
    }
    try {
      const frame = this.#source.nextFrame();
      if (frame !== undefined) {
        checkI420Frame(frame);
        this.#adapter.pushFrame(frame);
        this.#framesSent++;
      }
    } catch (error) {
      // A bad picture must not take the process down from a timer: stop sending and say why.
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#failure = `video stopped: ${describeError(error)}`;
      this.#onFailure(this.#failure);
      return;
    }
    if (this.#source.ended) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
