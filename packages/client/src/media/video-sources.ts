import { ClientError } from '../util/client-error.js';
import { checkI420Frame, type I420Frame, i420Size, isVideoSide } from './video-frame.js';

/**
 * Produces outgoing video at {@link frameRate}: one I420 picture per tick, `undefined` for
 * "nothing new" (the encoder keeps the last picture) or, with `ended`, "finished".
 */
export interface VideoSource {
  /** Pictures per second the sender asks for. */
  readonly frameRate: number;
  nextFrame(): I420Frame | undefined;
  /** True once the source will produce no more pictures. */
  readonly ended: boolean;
}

/** Options of a {@link TestPatternSource}. */
export interface TestPatternOptions {
  /** Even, 16…4096; default 320. */
  width?: number;
  /** Even, 16…4096; default 240. */
  height?: number;
  /** 1…60; default 15. */
  frameRate?: number;
  /** A number 0…255 drawn into every picture next to the frame counter (who sent it); default 0. */
  id?: number;
}

/** What {@link decodeTestPattern} reads back from a picture. */
export interface TestPatternMarker {
  /** The frame counter (modulo 65 536). */
  counter: number;
  /** The source's `id`. */
  id: number;
}

const BITS = 16;
const LUMA_ONE = 235;
const LUMA_ZERO = 16;

/**
 * Rows of the marker band, each {@link BITS} cells wide: the counter, its complement, the id and
 * its complement (8 + 8 bits). The complements make a misread (a blurred or scaled picture) come
 * out as "no marker" instead of a wrong number.
 */
function markerRows(counter: number, id: number): number[] {
  const c = counter & 0xffff;
  const i = id & 0xff;
  return [c, ~c & 0xffff, (i << 8) | (~i & 0xff)];
}

/** Height of one marker row: a twelfth of the picture, as cells large enough to survive VP8. */
function rowHeight(height: number): number {
  return Math.max(2, Math.floor(height / 12));
}

/**
 * A generated picture a receiver can check: a band of large black and white cells at the top
 * that encodes a frame counter and the source's `id` (read back with {@link decodeTestPattern},
 * also from a scaled-down picture), a background colour picked from `id`, and a white bar that
 * sweeps across the lower half so a person sees it move.
 */
export class TestPatternSource implements VideoSource {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly id: number;
  #counter = 0;

  constructor(options: TestPatternOptions = {}) {
    const width = options.width ?? 320;
    const height = options.height ?? 240;
    const frameRate = options.frameRate ?? 15;
    const id = options.id ?? 0;
    if (!isVideoSide(width) || !isVideoSide(height) || width % 2 || height % 2) {
      throw new ClientError('invalid_state', `test pattern size ${width}×${height}: even sides`);
    }
    if (width < 16 || height < 16) {
      throw new ClientError('invalid_state', 'a test pattern needs at least 16×16 pixels');
    }
    if (!Number.isFinite(frameRate) || frameRate < 1 || frameRate > 60) {
      throw new ClientError('invalid_state', `test pattern frame rate ${frameRate}: 1 to 60`);
    }
    if (!Number.isInteger(id) || id < 0 || id > 255) {
      throw new ClientError('invalid_state', `test pattern id ${id}: an integer 0 to 255`);
    }
    this.width = width;
    this.height = height;
    this.frameRate = frameRate;
    this.id = id;
  }

  get ended(): boolean {
    return false;
  }

  /** Pictures produced so far (the next picture's counter). */
  get counter(): number {
    return this.#counter;
  }

  nextFrame(): I420Frame {
    const frame = drawTestPattern(this.width, this.height, this.#counter, this.id);
    this.#counter = (this.#counter + 1) & 0xffff;
    return frame;
  }
}

/** Draws one test pattern picture (see {@link TestPatternSource}). */
export function drawTestPattern(
  width: number,
  height: number,
  counter: number,
  id: number,
): I420Frame {
  const data = new Uint8Array(i420Size(width, height));
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  // Background: mid grey luma, chroma from the id (a colour per sender).
  data.fill(110, 0, width * height);
  const hue = ((id * 47) % 256) / 256;
  const u = Math.round(128 + 80 * Math.cos(2 * Math.PI * hue));
  const v = Math.round(128 + 80 * Math.sin(2 * Math.PI * hue));
  data.fill(u, width * height, width * height + cw * ch);
  data.fill(v, width * height + cw * ch);
  // Marker band: full-width cells, luma only.
  const rh = rowHeight(height);
  markerRows(counter, id).forEach((bits, row) => {
    for (let y = row * rh; y < (row + 1) * rh; y++) {
      for (let x = 0; x < width; x++) {
        const bit = Math.min(BITS - 1, Math.floor((x * BITS) / width));
        data[y * width + x] = (bits >> bit) & 1 ? LUMA_ONE : LUMA_ZERO;
      }
    }
  });
  // A moving bar in the lower half.
  const barWidth = Math.max(2, Math.floor(width / 16));
  const barX = Math.floor((counter * 4) % Math.max(1, width - barWidth));
  for (let y = Math.floor(height / 2); y < height; y++) {
    data.fill(LUMA_ONE, y * width + barX, y * width + barX + barWidth);
  }
  return { width, height, data };
}

/**
 * Reads the marker of a {@link TestPatternSource} picture (after encoding, transport, decoding and
 * maybe scaling): averages the middle of every cell and checks the complements. Returns undefined
 * when the picture carries no readable marker.
 */
export function decodeTestPattern(frame: I420Frame): TestPatternMarker | undefined {
  const { width, height, data } = frame;
  if (width < 16 || height < 16 || data.length < width * height) {
    return undefined;
  }
  const rh = rowHeight(height);
  const cellW = width / BITS;
  const rows = [0, 1, 2].map((row) => {
    let bits = 0;
    const y0 = Math.floor(row * rh + rh / 4);
    const y1 = Math.max(y0 + 1, Math.floor(row * rh + (3 * rh) / 4));
    for (let bit = 0; bit < BITS; bit++) {
      const x0 = Math.floor(bit * cellW + cellW / 4);
      const x1 = Math.max(x0 + 1, Math.floor(bit * cellW + (3 * cellW) / 4));
      let sum = 0;
      let n = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          sum += data[y * width + x] ?? 0;
          n++;
        }
      }
      if (sum / n > (LUMA_ONE + LUMA_ZERO) / 2) {
        bits |= 1 << bit;
      }
    }
    return bits;
  });
  const [counter = 0, check = 0, idRow = 0] = rows;
  const id = idRow >> 8;
  if ((~counter & 0xffff) !== check || (~id & 0xff) !== (idRow & 0xff)) {
    return undefined;
  }
  return { counter, id };
}

/** Longest queue of a {@link VideoQueueSource}: older pictures are dropped beyond it. */
export const MAX_QUEUED_FRAMES = 30;

/**
 * Pictures pushed by the caller (a renderer, a camera library, a decoder): each tick sends the
 * oldest queued picture; when the queue is empty nothing new is sent. Pushing more than
 * {@link MAX_QUEUED_FRAMES} ahead drops the oldest (live video prefers fresh pictures).
 */
export class VideoQueueSource implements VideoSource {
  readonly frameRate: number;
  readonly #queue: I420Frame[] = [];
  #ended = false;
  #dropped = 0;

  constructor(frameRate = 15) {
    if (!Number.isFinite(frameRate) || frameRate < 1 || frameRate > 60) {
      throw new ClientError('invalid_state', `frame rate ${frameRate}: 1 to 60`);
    }
    this.frameRate = frameRate;
  }

  /** Queues one picture (checked: even sides, exact I420 size). */
  push(frame: I420Frame): void {
    if (this.#ended) {
      throw ClientError.invalidState('this video source has ended');
    }
    checkI420Frame(frame);
    this.#queue.push(frame);
    if (this.#queue.length > MAX_QUEUED_FRAMES) {
      this.#queue.shift();
      this.#dropped++;
    }
  }

  /** Pictures dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** No more pictures will come (the source ends once the queue is empty). */
  end(): void {
    this.#ended = true;
  }

  get ended(): boolean {
    return this.#ended && this.#queue.length === 0;
  }

  nextFrame(): I420Frame | undefined {
    return this.#queue.shift();
  }
}

/** Pictures in memory (a decoded Y4M file), sent once or looped at `frameRate`. */
export class FramesSource implements VideoSource {
  readonly frameRate: number;
  readonly #frames: readonly I420Frame[];
  readonly #loop: boolean;
  #next = 0;

  constructor(frames: readonly I420Frame[], frameRate: number, options: { loop?: boolean } = {}) {
    if (frames.length === 0) {
      throw new ClientError('invalid_state', 'no video frames to send');
    }
    this.#frames = frames;
    this.frameRate = Math.max(1, Math.min(60, frameRate));
    this.#loop = options.loop ?? false;
  }

  get ended(): boolean {
    return !this.#loop && this.#next >= this.#frames.length;
  }

  nextFrame(): I420Frame | undefined {
    if (this.#next >= this.#frames.length) {
      if (!this.#loop) {
        return undefined;
      }
      this.#next = 0;
    }
    return this.#frames[this.#next++];
  }
}
