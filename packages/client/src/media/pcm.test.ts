import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferSource, PcmQueueSource, ToneSource } from './audio-sources.js';
import { downmix, FRAME_SAMPLES, FrameSplitter, resample, rms, toMono48k } from './pcm.js';
import { decodeWav, encodeWav } from './wav.js';

test('pcm - downmix, resample, frame splitting', () => {
  assert.deepEqual([...downmix(Int16Array.from([100, 300, -100, -300]), 2)], [200, -200]);
  assert.equal(resample(new Int16Array(160), 16_000).length, 480);
  assert.equal(toMono48k(new Int16Array(320), 16_000, 2).length, 480);
  const splitter = new FrameSplitter();
  assert.equal(splitter.push(new Int16Array(300)).length, 0);
  const frames = splitter.push(new Int16Array(700));
  assert.equal(frames.length, 2);
  assert.equal(splitter.pending, 40);
});

test('sources - tone level, buffer end and loop, queue', () => {
  const tone = new ToneSource(1000, 0.5);
  const level = rms(tone.nextFrame());
  assert.ok(Math.abs(level - 0.5 / Math.SQRT2) < 0.01, `rms ${level}`);
  const once = new BufferSource(new Int16Array(FRAME_SAMPLES + 10).fill(1));
  assert.equal(once.nextFrame()?.length, FRAME_SAMPLES);
  const last = once.nextFrame();
  assert.equal(last?.[9], 1);
  assert.equal(last?.[10], 0);
  assert.equal(once.ended, true);
  assert.equal(once.nextFrame(), undefined);
  const loop = new BufferSource(Int16Array.from([1, 2, 3]), { loop: true });
  assert.deepEqual([...(loop.nextFrame() ?? []).slice(0, 5)], [1, 2, 3, 1, 2]);
  const queue = new PcmQueueSource();
  queue.write(new Int16Array(1000));
  assert.equal(queue.bufferedMs, 20);
  queue.end();
  assert.equal(queue.ended, false);
  queue.nextFrame();
  queue.nextFrame();
  assert.equal(queue.ended, true);
});

test('wav - encode and decode round trip, refuses other encodings', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768]);
  const decoded = decodeWav(encodeWav(samples, 16_000, 1));
  assert.equal(decoded.sampleRate, 16_000);
  assert.equal(decoded.channels, 1);
  assert.deepEqual([...decoded.samples], [...samples]);
  const float = encodeWav(samples, 48_000);
  new DataView(float.buffer).setUint16(20, 3, true);
  assert.throws(() => decodeWav(float), /unsupported WAV encoding/);
  assert.throws(() => decodeWav(new Uint8Array(8)), /not a WAV file/);
});
