import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../util/client-error.js';
import type { VideoFrame } from './video-frame.js';
import { WavFileWriter } from './wav-file.js';
import { Y4mFileWriter } from './y4m-file.js';

/** One recorded file: a participant's audio, camera or screen. */
export interface RecordedTrack {
  /** `audio` (WAV), `video` (camera, Y4M) or `screen` (Y4M). */
  kind: 'audio' | 'video' | 'screen';
  /** Signaling session id of the participant. */
  sessionId: string;
  /** Their name when recording started. */
  name: string;
  /** The WAV file (48 kHz, mono, 16 bit), or the Y4M file (4:2:0, fixed frame rate). */
  path: string;
  /** Seconds recorded. */
  seconds: number;
  /** Video only: pictures received, their size. */
  frames?: number;
  width?: number;
  height?: number;
}

/** Options of a {@link CallRecorder}. */
export interface RecorderOptions {
  /** Also write every camera and screen to a Y4M file; default false. */
  video?: boolean;
  /** Frame rate of the Y4M files (pictures are repeated or skipped to play in real time); 15. */
  videoFrameRate?: number;
}

interface VideoEntry {
  track: RecordedTrack;
  writer: Promise<Y4mFileWriter>;
  /** Files written for this stream (a new one when the picture size changes). */
  segment: number;
}

/**
 * Writes each participant's received audio to its own WAV file in a directory
 * (`<name>-<session prefix>.wav`), and with `video` each camera and screen to a Y4M file
 * (`<name>-<session prefix>-video.y4m`, `…-screen.y4m`; `…-video-2.y4m` after a size change).
 * Y4M is raw 4:2:0 video that ffplay, VLC and ffmpeg open without a codec: nothing is re-encoded,
 * the pictures are exactly what was decoded (about 1.7 MB/s at 320×240 and 15 fps). Frames arriving
 * before a file is open are queued.
 */
export class CallRecorder {
  readonly dir: string;
  readonly #writers = new Map<string, { track: RecordedTrack; writer: Promise<WavFileWriter> }>();
  readonly #video = new Map<string, VideoEntry>();
  readonly #finished: RecordedTrack[] = [];
  readonly #pending: Promise<void>[] = [];
  readonly #onError: (message: string) => void;
  readonly #options: RecorderOptions;
  #closed = false;

  constructor(
    dir: string,
    onError: (message: string) => void = () => undefined,
    options: RecorderOptions = {},
  ) {
    this.dir = dir;
    this.#onError = onError;
    this.#options = options;
  }

  /** Whether cameras and screens are recorded too. */
  get recordsVideo(): boolean {
    return this.#options.video === true;
  }

  /** Appends a picture of `sessionId`'s camera (`video`) or screen (`screen`), with `video`. */
  writeVideo(sessionId: string, name: string, roomType: string, frame: VideoFrame): void {
    if (this.#closed || this.#options.video !== true) {
      return;
    }
    const kind = roomType === 'screen' ? 'screen' : 'video';
    const key = `${sessionId}|${kind}`;
    let entry = this.#video.get(key);
    if (
      entry !== undefined &&
      (entry.track.width !== frame.width || entry.track.height !== frame.height)
    ) {
      // Y4M has one picture size: finish this file, continue in the next.
      this.#finish(entry);
      entry = this.#openVideo(sessionId, name, kind, frame, entry.segment + 1);
      this.#video.set(key, entry);
    } else if (entry === undefined) {
      entry = this.#openVideo(sessionId, name, kind, frame, 1);
      this.#video.set(key, entry);
    }
    const track = entry.track;
    void entry.writer.then(
      (writer) => {
        writer.write(frame);
        track.frames = writer.framesReceived;
        track.seconds = writer.seconds;
      },
      () => undefined,
    );
  }

  #openVideo(
    sessionId: string,
    name: string,
    kind: 'video' | 'screen',
    frame: VideoFrame,
    segment: number,
  ): VideoEntry {
    const suffix = segment === 1 ? '' : `-${segment}`;
    const file = `${safeName(name)}-${safeName(sessionId).slice(0, 8)}-${kind}${suffix}.y4m`;
    const path = join(this.dir, file);
    const track: RecordedTrack = {
      kind,
      sessionId,
      name,
      path,
      seconds: 0,
      frames: 0,
      width: frame.width,
      height: frame.height,
    };
    const rate = this.#options.videoFrameRate ?? 15;
    const writer = mkdir(this.dir, { recursive: true }).then(() =>
      Y4mFileWriter.create(path, frame.width, frame.height, rate),
    );
    writer.catch((error: unknown) =>
      this.#onError(`cannot record to ${path}: ${describeError(error)}`),
    );
    return { track, writer, segment };
  }

  #finish(entry: VideoEntry): void {
    this.#finished.push(entry.track);
    this.#pending.push(
      entry.writer.then(
        (w) => w.close(),
        () => undefined,
      ),
    );
  }

  /** Appends a 10 ms frame of `sessionId`'s audio. */
  write(sessionId: string, name: string, samples: Int16Array): void {
    if (this.#closed) {
      return;
    }
    let entry = this.#writers.get(sessionId);
    if (entry === undefined) {
      const file = `${safeName(name)}-${safeName(sessionId).slice(0, 8)}.wav`;
      const path = join(this.dir, file);
      const track: RecordedTrack = { kind: 'audio', sessionId, name, path, seconds: 0 };
      const writer = mkdir(this.dir, { recursive: true }).then(() => WavFileWriter.create(path));
      writer.catch((error: unknown) =>
        this.#onError(`cannot record to ${path}: ${describeError(error)}`),
      );
      entry = { track, writer };
      this.#writers.set(sessionId, entry);
    }
    const copy = samples.slice();
    const track = entry.track;
    void entry.writer.then(
      (writer) => {
        writer.write(copy);
        track.seconds = writer.seconds;
      },
      () => undefined,
    );
  }

  /** The files recorded so far: audio first, then video. */
  get tracks(): RecordedTrack[] {
    return [
      ...[...this.#writers.values()].map((e) => e.track),
      ...this.#finished,
      ...[...this.#video.values()].map((e) => e.track),
    ];
  }

  /** Finishes all files; idempotent. Resolves with what was recorded. */
  async close(): Promise<RecordedTrack[]> {
    this.#closed = true;
    await Promise.all(
      [...this.#writers.values()].map(async ({ track, writer }) => {
        try {
          const w = await writer;
          await w.close();
          track.seconds = w.seconds;
        } catch {
          // Reported when opening failed.
        }
      }),
    );
    const open = [...this.#video.values()].map((e) =>
      e.writer.then(
        (w) => w.close(),
        () => undefined,
      ),
    );
    await Promise.all([...this.#pending, ...open]);
    return this.tracks;
  }
}

function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return cleaned === '' ? 'participant' : cleaned.slice(0, 40);
}
