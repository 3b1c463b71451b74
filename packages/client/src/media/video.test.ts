import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkI420Frame, type I420Frame, i420Size } from './video-frame.js';
import { VideoOutput } from './video-output.js';
import {
  decodeTestPattern,
  drawTestPattern,
  MAX_QUEUED_FRAMES,
  TestPatternSource,
  VideoQueueSource,
} from './video-sources.js';
import { decodeY4m, encodeY4m } from './y4m.js';
import { readY4mFile, Y4mFileWriter } from './y4m-file.js';

/** Nearest-neighbour downscale of the luma plane (enough for the marker). */
function scaleDown(frame: I420Frame, factor: number): I420Frame {
  const width = frame.width / factor;
  const height = frame.height / factor;
  const data = new Uint8Array(i420Size(width, height)).fill(128);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = frame.data[y * factor * frame.width + x * factor] ?? 0;
    }
  }
  return { width, height, data };
}

test('test pattern - the marker reads back, also scaled down and with noise', () => {
  const source = new TestPatternSource({ width: 320, height: 240, id: 42 });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(decodeTestPattern(source.nextFrame()), { counter: i, id: 42 });
  }
  const frame = drawTestPattern(640, 480, 0xbeef, 255);
  assert.deepEqual(decodeTestPattern(scaleDown(frame, 4)), { counter: 0xbeef, id: 255 });
  const noisy = { ...frame, data: frame.data.map((v, i) => (i % 7 === 0 ? v ^ 0x20 : v)) };
  assert.deepEqual(decodeTestPattern(noisy), { counter: 0xbeef, id: 255 });
});

test('test pattern - a picture without a marker reads as none', () => {
  const grey = { width: 320, height: 240, data: new Uint8Array(i420Size(320, 240)).fill(128) };
  assert.equal(decodeTestPattern(grey), undefined);
  const frame = drawTestPattern(320, 240, 5, 1);
  // Break one counter cell: the complement row no longer matches.
  const broken = frame.data.slice();
  for (let y = 0; y < 20; y++) {
    broken.fill(235, y * 320 + 20, y * 320 + 40); // bit 1 of 5 is 0
  }
  assert.equal(decodeTestPattern({ ...frame, data: broken }), undefined);
  assert.throws(() => new TestPatternSource({ width: 321 }), /even sides/);
  assert.throws(() => new TestPatternSource({ id: 256 }), /0 to 255/);
  assert.throws(() => new TestPatternSource({ frameRate: 0 }), /1 to 60/);
});

test('i420 frames - sizes are checked', () => {
  assert.equal(i420Size(320, 240), 115_200);
  assert.throws(() => checkI420Frame({ width: 3, height: 2, data: new Uint8Array(9) }), /even/);
  assert.throws(
    () => checkI420Frame({ width: 2, height: 2, data: new Uint8Array(5) }),
    /has 6 bytes \(got 5\)/,
  );
  assert.throws(
    () => checkI420Frame({ width: 8192, height: 2, data: new Uint8Array(1) }),
    /up to 4096|from 2 to 4096/,
  );
});

test('video queue source - bounded, ends once drained', () => {
  const source = new VideoQueueSource(10);
  const frame = drawTestPattern(32, 32, 0, 0);
  for (let i = 0; i < MAX_QUEUED_FRAMES + 5; i++) {
    source.push(frame);
  }
  assert.equal(source.dropped, 5);
  assert.throws(() => source.push({ width: 32, height: 32, data: new Uint8Array(3) }));
  source.end();
  assert.equal(source.ended, false);
  for (let i = 0; i < MAX_QUEUED_FRAMES; i++) {
    assert.ok(source.nextFrame());
  }
  assert.equal(source.ended, true);
  assert.throws(() => source.push(frame), /ended/);
});

test('video output - a malformed picture stops the pump with a reason, no throw', async () => {
  const pushed: I420Frame[] = [];
  const failures: string[] = [];
  const bad = {
    frameRate: 50,
    ended: false,
    nextFrame: () => ({ width: 4, height: 4, data: new Uint8Array(2) }),
  };
  const output = new VideoOutput(
    {
      track: { kind: 'video', id: 'v', enabled: true, stop() {} },
      pushFrame: (f) => pushed.push(f),
      close() {},
    },
    bad,
    (m) => failures.push(m),
  );
  output.start();
  await new Promise((resolve) => setTimeout(resolve, 100));
  output.close();
  assert.equal(pushed.length, 0);
  assert.equal(failures.length, 1);
  assert.match(failures[0] ?? '', /video stopped: .*24 bytes \(got 2\)/);
});

test('y4m - encode/decode round trip; malformed files are refused', () => {
  const frames = [0, 1, 2].map((i) => drawTestPattern(64, 48, i, 9));
  const bytes = encodeY4m(frames, 12);
  const video = decodeY4m(bytes);
  assert.equal(video.width, 64);
  assert.equal(video.frameRate, 12);
  assert.deepEqual(
    video.frames.map((f) => decodeTestPattern(f)?.counter),
    [0, 1, 2],
  );
  const text = (s: string) => new TextEncoder().encode(s);
  assert.throws(() => decodeY4m(text('RIFF....')), /truncated header|signature/);
  assert.throws(() => decodeY4m(text('YUV4MPEG2 W64 H48 C444\n')), /chroma layout C444/);
  assert.throws(() => decodeY4m(text('YUV4MPEG2 W65 H48\n')), /size 65×48/);
  assert.throws(() => decodeY4m(text('YUV4MPEG2 W64 H48\n')), /no frames/);
  assert.throws(() => decodeY4m(bytes.subarray(0, bytes.length - 10)), /frame 3 is truncated/);
  assert.throws(() => decodeY4m(text(`YUV4MPEG2 ${'x'.repeat(2000)}\n`)), /too long/);
});

test('y4m file writer - paces pictures to its frame rate; size changes are refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'y4m-writer-'));
  try {
    const path = join(dir, 'out.y4m');
    const writer = await Y4mFileWriter.create(path, 32, 32, 10);
    const frame = (i: number, at: number) => ({
      ...drawTestPattern(32, 32, i, 1),
      timestampMs: at,
    });
    writer.write(frame(0, 1000)); // first picture
    writer.write(frame(1, 1030)); // too early for 10 fps: skipped
    writer.write(frame(2, 1300)); // 300 ms later: fills three slots
    writer.write({ ...frame(3, 1400), width: 16, height: 64 }); // other size: ignored
    writer.write(frame(4, 9000)); // a long stall: at most one second of repeats
    await writer.close();
    const video = await readY4mFile(path);
    const counters = video.frames.map((f) => decodeTestPattern(f)?.counter);
    assert.deepEqual(counters.slice(0, 4), [0, 2, 2, 2]);
    assert.equal(counters.length, 4 + 10);
    assert.equal(writer.framesReceived, 4);
    await writeFile(path, 'nope');
    await assert.rejects(readY4mFile(path), /not a 4:2:0 Y4M file/);
    assert.ok((await readFile(path)).length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
