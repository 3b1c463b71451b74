import {
  decodeTestPattern,
  type InternalClient,
  type Participant,
  type TalkClient,
  type VideoFrame,
} from '@spreed-ts/client';

/** What a receiver saw of one sender's test pattern. */
export interface ReceivedVideo {
  /** Pictures received. */
  frames: number;
  /** Pictures whose marker was read back. */
  marked: number;
  /** Distinct frame counters read (repeats are not counted twice). */
  counters: Set<number>;
  /** Ids read from the markers. */
  ids: Set<number>;
  /** Picture sizes seen, as `W×H`. */
  sizes: Set<string>;
  /** Seconds from the first to the last picture. */
  seconds: number;
}

/**
 * Collects `count` pictures of `roomType` from the participant `from()` returns, decoding the test
 * pattern marker of each; resolves with what was seen. Rejects after `timeoutMs` saying how many
 * pictures had arrived, so a stalled stream fails with a useful message.
 */
export function collectVideo(
  anyClient: TalkClient | InternalClient,
  from: () => string | undefined,
  count: number,
  options: { roomType?: string; timeoutMs?: number; onFrame?: (frame: VideoFrame) => void } = {},
): Promise<ReceivedVideo> {
  // Both emit videoFrame with the same arguments.
  const client = anyClient as TalkClient;
  const roomType = options.roomType ?? 'video';
  const seen: ReceivedVideo = {
    frames: 0,
    marked: 0,
    counters: new Set(),
    ids: new Set(),
    sizes: new Set(),
    seconds: 0,
  };
  let firstAt = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('videoFrame', onFrame);
      reject(
        new Error(
          `only ${seen.frames} of ${count} ${roomType} pictures arrived (${seen.marked} with a marker)`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
    const onFrame = (p: Participant, frame: VideoFrame, type: string): void => {
      if (p.sessionId !== from() || type !== roomType) {
        return;
      }
      options.onFrame?.(frame);
      if (seen.frames === 0) {
        firstAt = frame.timestampMs;
      }
      seen.frames++;
      seen.seconds = (frame.timestampMs - firstAt) / 1000;
      seen.sizes.add(`${frame.width}×${frame.height}`);
      const marker = decodeTestPattern(frame);
      if (marker !== undefined) {
        seen.marked++;
        seen.counters.add(marker.counter);
        seen.ids.add(marker.id);
      }
      if (seen.frames >= count) {
        clearTimeout(timer);
        client.off('videoFrame', onFrame);
        resolve(seen);
      }
    };
    client.on('videoFrame', onFrame);
  });
}

/** Distinct pictures per second (generous bounds are for the caller to apply). */
export function frameRate(video: ReceivedVideo): number {
  return video.seconds > 0 ? (video.counters.size - 1) / video.seconds : 0;
}

/** Resolves with the first camera picture from `from` that `accept`s (rejects after `timeoutMs`). */
export function nextPicture(
  client: TalkClient,
  from: string,
  accept: (frame: VideoFrame) => boolean,
  timeoutMs: number,
): Promise<VideoFrame> {
  const sizes = new Set<string>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('videoFrame', onFrame);
      reject(new Error(`no matching picture within ${timeoutMs} ms (saw ${[...sizes]})`));
    }, timeoutMs);
    const onFrame = (p: Participant, frame: VideoFrame, roomType: string): void => {
      if (p.sessionId !== from || roomType !== 'video') {
        return;
      }
      sizes.add(`${frame.width}×${frame.height}`);
      if (accept(frame)) {
        clearTimeout(timer);
        client.off('videoFrame', onFrame);
        resolve(frame);
      }
    };
    client.on('videoFrame', onFrame);
  });
}
