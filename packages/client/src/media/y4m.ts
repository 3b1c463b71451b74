import { ClientError } from '../util/client-error.js';
import { type I420Frame, i420Size, isVideoSide } from './video-frame.js';

/** A decoded YUV4MPEG2 stream. */
export interface Y4mVideo {
  width: number;
  height: number;
  /** Frames per second from the `F` parameter (default 25 when absent). */
  frameRate: number;
  /** Views into the input bytes. */
  frames: I420Frame[];
}

/** Longest header or frame-header line accepted, in bytes. */
const MAX_LINE = 1024;
/** Chroma layouts that are planar 4:2:0 (they differ only in siting, which we ignore). */
const I420_LAYOUTS = new Set(['420', '420jpeg', '420paldv', '420mpeg2']);

function bad(why: string): ClientError {
  return new ClientError('invalid_state', `not a 4:2:0 Y4M file: ${why}`);
}

function readLine(bytes: Uint8Array, start: number): { line: string; next: number } {
  const end = bytes.indexOf(0x0a, start);
  if (end < 0 || end - start > MAX_LINE) {
    throw bad(end < 0 ? 'truncated header' : 'header line too long');
  }
  return { line: new TextDecoder().decode(bytes.subarray(start, end)), next: end + 1 };
}

/**
 * Decodes a Y4M file (YUV4MPEG2, the raw format ffmpeg, ffplay and VLC read and write) with 4:2:0
 * chroma. Other layouts (4:4:4, mono, alpha), odd sizes, interlacing markers aside, and truncated
 * frames are refused with `ClientError('invalid_state')`; sizes are bounded by
 * {@link MAX_VIDEO_SIDE}.
 */
export function decodeY4m(bytes: Uint8Array): Y4mVideo {
  const { line, next } = readLine(bytes, 0);
  const [magic, ...params] = line.split(' ').filter((p) => p !== '');
  if (magic !== 'YUV4MPEG2') {
    throw bad('missing YUV4MPEG2 signature');
  }
  let width = 0;
  let height = 0;
  let frameRate = 25;
  let layout = '420jpeg';
  for (const p of params) {
    const value = p.slice(1);
    switch (p[0]) {
      case 'W':
        width = Number(value);
        break;
      case 'H':
        height = Number(value);
        break;
      case 'F': {
        const [num, den] = value.split(':').map(Number);
        if (num !== undefined && den !== undefined && num > 0 && den > 0) {
          frameRate = num / den;
        }
        break;
      }
      case 'C':
        layout = value;
        break;
      default:
        break;
    }
  }
  if (!isVideoSide(width) || !isVideoSide(height) || width % 2 !== 0 || height % 2 !== 0) {
    throw bad(`size ${width}×${height} (even sides up to 4096 pixels)`);
  }
  if (!I420_LAYOUTS.has(layout)) {
    throw bad(`chroma layout C${layout}`);
  }
  const size = i420Size(width, height);
  const frames: I420Frame[] = [];
  let offset = next;
  while (offset < bytes.length) {
    const header = readLine(bytes, offset);
    if (!header.line.startsWith('FRAME')) {
      throw bad(`frame ${frames.length + 1} does not start with FRAME`);
    }
    if (header.next + size > bytes.length) {
      throw bad(`frame ${frames.length + 1} is truncated`);
    }
    frames.push({ width, height, data: bytes.subarray(header.next, header.next + size) });
    offset = header.next + size;
  }
  if (frames.length === 0) {
    throw bad('no frames');
  }
  return { width, height, frameRate, frames };
}

/** The stream header of a 4:2:0 Y4M file of this size and integer frame rate. */
export function y4mHeader(width: number, height: number, frameRate: number): Uint8Array {
  return new TextEncoder().encode(
    `YUV4MPEG2 W${width} H${height} F${Math.round(frameRate)}:1 Ip A1:1 C420jpeg\n`,
  );
}

/** The header in front of every frame. */
export const Y4M_FRAME_HEADER: Uint8Array = new TextEncoder().encode('FRAME\n');

/** Encodes frames (all of one size) as a Y4M file, for tests and small clips. */
export function encodeY4m(frames: readonly I420Frame[], frameRate: number): Uint8Array {
  const first = frames[0];
  if (first === undefined) {
    throw new ClientError('invalid_state', 'no frames to encode');
  }
  const header = y4mHeader(first.width, first.height, frameRate);
  const size = i420Size(first.width, first.height);
  const out = new Uint8Array(header.length + frames.length * (Y4M_FRAME_HEADER.length + size));
  out.set(header, 0);
  let offset = header.length;
  for (const frame of frames) {
    if (frame.width !== first.width || frame.height !== first.height) {
      throw new ClientError('invalid_state', 'all frames of a Y4M file have one size');
    }
    out.set(Y4M_FRAME_HEADER, offset);
    out.set(frame.data.subarray(0, size), offset + Y4M_FRAME_HEADER.length);
    offset += Y4M_FRAME_HEADER.length + size;
  }
  return out;
}
