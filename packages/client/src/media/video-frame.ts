import { ClientError } from '../util/client-error.js';

/** Largest picture side accepted anywhere (sources, files, pushed frames): 4096 pixels. */
export const MAX_VIDEO_SIDE = 4096;

/**
 * One picture in I420 (planar YUV 4:2:0, BT.601 limited range): the Y plane (`width × height`
 * bytes), then U and V (`ceil(width/2) × ceil(height/2)` bytes each). This is what
 * `@roamhq/wrtc`'s `RTCVideoSource`/`RTCVideoSink` exchange and what Y4M files (`C420`) hold.
 */
export interface I420Frame {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A received picture: the I420 frame plus when it arrived. */
export interface VideoFrame extends I420Frame {
  /** Arrival time (`performance.now()` milliseconds): libwebrtc's sinks give no capture time. */
  readonly timestampMs: number;
}

/** Bytes of an I420 picture of this size. */
export function i420Size(width: number, height: number): number {
  const chroma = Math.ceil(width / 2) * Math.ceil(height / 2);
  return width * height + 2 * chroma;
}

/** Whether a width or height is usable (a positive integer up to {@link MAX_VIDEO_SIDE}). */
export function isVideoSide(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= MAX_VIDEO_SIDE;
}

/**
 * Checks a frame pushed by a caller (or read from a file): sides within bounds, even (libwebrtc's
 * encoders want 4:2:0 pictures with even sides) and a buffer of exactly the I420 size. Throws
 * `ClientError('invalid_state')` saying what is wrong.
 */
export function checkI420Frame(frame: I420Frame): void {
  const { width, height, data } = frame;
  if (!isVideoSide(width) || !isVideoSide(height) || width % 2 !== 0 || height % 2 !== 0) {
    throw new ClientError(
      'invalid_state',
      `video frames need even sides from 2 to ${MAX_VIDEO_SIDE} pixels (got ${width}×${height})`,
    );
  }
  if (!(data instanceof Uint8Array) || data.length !== i420Size(width, height)) {
    throw new ClientError(
      'invalid_state',
      `an I420 frame of ${width}×${height} has ${i420Size(width, height)} bytes (got ${data?.length ?? 'none'})`,
    );
  }
}
