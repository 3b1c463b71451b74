import type { MediaTrackLike, VideoSinkAdapter } from './media-stack.js';
import { i420Size, type VideoFrame } from './video-frame.js';

/** The parts of a WebCodecs `VideoFrame` used here. */
interface WebVideoFrame {
  readonly format: string | null;
  readonly visibleRect: { width: number; height: number } | null;
  allocationSize(): number;
  copyTo(destination: Uint8Array): Promise<unknown>;
  close(): void;
}

/** `MediaStreamTrackProcessor` (Chromium): a remote video track as a stream of `VideoFrame`s. */
type TrackProcessorConstructor = new (init: {
  track: MediaTrackLike;
}) => {
  readable: {
    getReader(): {
      read(): Promise<{ done: boolean; value?: WebVideoFrame }>;
      cancel(): Promise<void>;
    };
  };
};

/** The browser's track processor, when it has one (Chromium does; Firefox and Safari do not). */
export function trackProcessor(): TrackProcessorConstructor | undefined {
  const ctor = (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor;
  return typeof ctor === 'function' ? (ctor as TrackProcessorConstructor) : undefined;
}

/** Copies the visible picture of a decoded frame as I420 (from I420, I420A or NV12). */
async function toI420(frame: WebVideoFrame): Promise<VideoFrame | undefined> {
  const rect = frame.visibleRect;
  const format = frame.format;
  if (rect === null || (format !== 'I420' && format !== 'I420A' && format !== 'NV12')) {
    return undefined;
  }
  const { width, height } = rect;
  const bytes = new Uint8Array(frame.allocationSize());
  await frame.copyTo(bytes);
  const size = i420Size(width, height);
  if (format !== 'NV12') {
    return { width, height, data: bytes.slice(0, size), timestampMs: performance.now() };
  }
  // NV12: Y plane, then interleaved U/V.
  const data = new Uint8Array(size);
  const luma = width * height;
  data.set(bytes.subarray(0, luma));
  const chroma = (size - luma) / 2;
  for (let i = 0; i < chroma; i++) {
    data[luma + i] = bytes[luma + 2 * i] ?? 128;
    data[luma + chroma + i] = bytes[luma + 2 * i + 1] ?? 128;
  }
  return { width, height, data, timestampMs: performance.now() };
}

/**
 * Reads a remote video track picture by picture with `MediaStreamTrackProcessor` and hands each
 * one on as I420. Pictures in other formats (RGBA from a hardware decoder) are skipped.
 */
export function browserVideoSink(
  Processor: TrackProcessorConstructor,
  track: MediaTrackLike,
  onFrame: (frame: VideoFrame) => void,
): VideoSinkAdapter {
  const reader = new Processor({ track }).readable.getReader();
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done || value === undefined) {
        return;
      }
      try {
        const frame = stopped ? undefined : await toI420(value);
        if (frame !== undefined && !stopped) {
          onFrame(frame);
        }
      } catch {
        // A frame that cannot be copied is skipped.
      } finally {
        value.close();
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      void reader.cancel().catch(() => undefined);
    },
  };
}
