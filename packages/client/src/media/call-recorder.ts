import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../util/client-error.js';
import { WavFileWriter } from './wav-file.js';

/** One recorded participant. */
export interface RecordedTrack {
  /** Signaling session id of the participant. */
  sessionId: string;
  /** Their name when recording started. */
  name: string;
  /** The WAV file (48 kHz, mono, 16 bit). */
  path: string;
  /** Seconds recorded. */
  seconds: number;
}

/**
 * Writes each participant's received audio to its own WAV file in a directory
 * (`<name>-<session prefix>.wav`). Frames arriving before the file is open are buffered.
 */
export class CallRecorder {
  readonly dir: string;
  readonly #writers = new Map<string, { track: RecordedTrack; writer: Promise<WavFileWriter> }>();
  readonly #onError: (message: string) => void;
  #closed = false;

  constructor(dir: string, onError: (message: string) => void = () => undefined) {
    this.dir = dir;
    this.#onError = onError;
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
      const track: RecordedTrack = { sessionId, name, path, seconds: 0 };
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

  /** The participants recorded so far. */
  get tracks(): RecordedTrack[] {
    return [...this.#writers.values()].map((e) => e.track);
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
    return this.tracks;
  }
}

function safeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return cleaned === '' ? 'participant' : cleaned.slice(0, 40);
}
