import { type FileHandle, open, stat } from 'node:fs/promises';
import { ClientError } from '../util/client-error.js';
import type { VideoFrame } from './video-frame.js';
import { decodeY4m, Y4M_FRAME_HEADER, type Y4mVideo, y4mHeader } from './y4m.js';

/** Largest Y4M file read into memory to send (about 50 s of 640×480 at 15 fps): 256 MiB. */
export const MAX_Y4M_FILE_BYTES = 256 * 1024 * 1024;

/** Reads a 4:2:0 Y4M file (at most {@link MAX_Y4M_FILE_BYTES}). */
export async function readY4mFile(path: string): Promise<Y4mVideo> {
  const info = await stat(path);
  if (info.size > MAX_Y4M_FILE_BYTES) {
    throw new ClientError(
      'invalid_state',
      `${path} has ${info.size} bytes; video files to send may have at most ${MAX_Y4M_FILE_BYTES}`,
    );
  }
  const handle = await open(path, 'r');
  try {
    const bytes = new Uint8Array(info.size);
    await handle.read(bytes, 0, info.size, 0);
    return decodeY4m(bytes);
  } finally {
    await handle.close();
  }
}

/**
 * Streams received pictures into a Y4M file at a fixed frame rate: a picture is repeated or
 * skipped so that the file plays in real time (Y4M has no timestamps, and received video arrives
 * at whatever rate the sender and the network manage). All pictures must have the first one's
 * size (the recorder starts a new file when it changes).
 */
export class Y4mFileWriter {
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly #handle: FileHandle;
  #startMs: number | undefined;
  #written = 0;
  #received = 0;
  #chain: Promise<unknown>;
  #closed = false;

  private constructor(
    path: string,
    handle: FileHandle,
    width: number,
    height: number,
    frameRate: number,
  ) {
    this.path = path;
    this.#handle = handle;
    this.width = width;
    this.height = height;
    this.frameRate = frameRate;
    const header = y4mHeader(width, height, frameRate);
    this.#chain = handle.write(header);
  }

  /** Creates (truncates) `path` for pictures of `width × height`. */
  static async create(
    path: string,
    width: number,
    height: number,
    frameRate = 15,
  ): Promise<Y4mFileWriter> {
    const handle = await open(path, 'w');
    return new Y4mFileWriter(path, handle, width, height, frameRate);
  }

  /** Pictures written to the file (repeats included). */
  get framesWritten(): number {
    return this.#written;
  }

  /** Pictures received (before pacing). */
  get framesReceived(): number {
    return this.#received;
  }

  /** Seconds of video in the file. */
  get seconds(): number {
    return this.#written / this.frameRate;
  }

  /** Appends `frame` as often as its arrival time asks (0 times when it came too early). */
  write(frame: VideoFrame): void {
    if (this.#closed || frame.width !== this.width || frame.height !== this.height) {
      return;
    }
    this.#received++;
    this.#startMs ??= frame.timestampMs;
    const due = Math.floor(((frame.timestampMs - this.#startMs) * this.frameRate) / 1000) + 1;
    let copies = due - this.#written;
    // Repeat at most a second's worth: a long gap is a stall, not something to fill with copies;
    // the clock moves on by the rest so that later pictures are not repeated either.
    const cap = Math.ceil(this.frameRate);
    if (copies > cap) {
      this.#startMs += ((copies - cap) * 1000) / this.frameRate;
      copies = cap;
    }
    if (copies <= 0) {
      return;
    }
    const data = frame.data.slice();
    this.#written += copies;
    this.#chain = this.#chain.then(async () => {
      for (let i = 0; i < copies; i++) {
        await this.#handle.write(Y4M_FRAME_HEADER);
        await this.#handle.write(data);
      }
    });
  }

  /** Flushes and closes the file; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.#chain.catch(() => undefined);
    await this.#handle.close();
  }
}
