import { ClientError } from '../util/client-error.js';

/** Decoded 16-bit PCM from a WAV file. */
export interface WavData {
  sampleRate: number;
  channels: number;
  /** Interleaved samples. */
  samples: Int16Array;
}

const HEADER_BYTES = 44;

/** The 44-byte header of a 16-bit PCM WAV file holding `dataBytes` bytes of samples. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  const ascii = (offset: number, text: string): void => {
    for (let i = 0; i < text.length; i++) {
      view.setUint8(offset + i, text.charCodeAt(i));
    }
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  return header;
}

/** A complete WAV file for mono or interleaved 16-bit samples. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + samples.length * 2);
  bytes.set(wavHeader(sampleRate, channels, samples.length * 2), 0);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    view.setInt16(HEADER_BYTES + i * 2, samples[i] ?? 0, true);
  }
  return bytes;
}

/**
 * Decodes a RIFF/WAVE file with 16-bit integer PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with
 * 16-bit samples). Other encodings are refused with a message saying how to convert them.
 */
export function decodeWav(bytes: Uint8Array): WavData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number): string =>
    String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new ClientError('invalid_state', 'not a WAV file (no RIFF/WAVE header)');
  }
  let offset = 12;
  let format: { code: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ' && size >= 16) {
      format = {
        code: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (format === undefined) {
        throw new ClientError('invalid_state', 'WAV data chunk before the fmt chunk');
      }
      const pcm = format.code === 1 || format.code === 0xfffe;
      if (!pcm || format.bits !== 16 || format.channels < 1) {
        throw new ClientError(
          'invalid_state',
          `unsupported WAV encoding (format ${format.code}, ${format.bits} bit); convert with: ffmpeg -i IN -ac 1 -ar 48000 -sample_fmt s16 OUT.wav`,
        );
      }
      const length = Math.floor(Math.min(size, bytes.length - body) / 2);
      const samples = new Int16Array(length);
      for (let i = 0; i < length; i++) {
        samples[i] = view.getInt16(body + i * 2, true);
      }
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new ClientError('invalid_state', 'WAV file without data chunk');
}
