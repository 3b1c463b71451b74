import { type FileHandle, open, readFile } from 'node:fs/promises';
import { toMono48k } from './pcm.js';
import { decodeWav, wavHeader } from './wav.js';

/** Reads a 16-bit PCM WAV file and converts it to 48 kHz mono. */
export async function readWavFile(path: string): Promise<Int16Array> {
  const bytes = await readFile(path);
  const wav = decodeWav(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return toMono48k(wav.samples, wav.sampleRate, wav.channels);
}

/**
 * Streams 48 kHz mono 16-bit PCM into a WAV file: the header is written with size 0 first and
 * fixed on `close()`, so a crash leaves a file most players still open.
 */
export class WavFileWriter {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #sampleRate: number;
  #dataBytes = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(path: string, handle: FileHandle, sampleRate: number) {
    this.path = path;
    this.#handle = handle;
    this.#sampleRate = sampleRate;
  }

  /** Creates (truncates) `path` and writes a provisional header. */
  static async create(path: string, sampleRate = 48_000): Promise<WavFileWriter> {
    const handle = await open(path, 'w');
    await handle.write(wavHeader(sampleRate, 1, 0), 0, 44, 0);
    return new WavFileWriter(path, handle, sampleRate);
  }

  /** Bytes of samples written so far. */
  get dataBytes(): number {
    return this.#dataBytes;
  }

  /** Seconds of audio written so far. */
  get seconds(): number {
    return this.#dataBytes / 2 / this.#sampleRate;
  }

  /** Appends samples (writes are queued in order). */
  write(samples: Int16Array): void {
    if (this.#closed) {
      return;
    }
    const bytes = new Uint8Array(
      samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength),
    );
    const position = 44 + this.#dataBytes;
    this.#dataBytes += bytes.length;
    this.#chain = this.#chain.then(() => this.#handle.write(bytes, 0, bytes.length, position));
  }

  /** Finishes the header and closes the file; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    await this.#chain.catch(() => undefined);
    await this.#handle.write(wavHeader(this.#sampleRate, 1, this.#dataBytes), 0, 44, 0);
    await this.#handle.close();
  }
}
