import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AudioOutput } from './audio-output.js';
import { ToneSource } from './audio-sources.js';
import { FakeMediaStack } from './fake-stack.js';
import { readWavFile, WavFileWriter } from './wav-file.js';

test('WavFileWriter - streams frames and fixes the header on close', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wav-writer-'));
  try {
    const path = join(dir, 'out.wav');
    const writer = await WavFileWriter.create(path);
    const frame = Int16Array.from({ length: 480 }, (_, i) => i - 240);
    writer.write(frame);
    writer.write(frame);
    await writer.close();
    await writer.close();
    assert.equal((await stat(path)).size, 44 + 2 * 960);
    assert.equal(writer.seconds, 0.02);
    const back = await readWavFile(path);
    assert.deepEqual([...back.subarray(0, 480)], [...frame]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('AudioOutput - pushes one 10 ms frame per 10 ms, silence when the source ends', async () => {
  const stack = new FakeMediaStack();
  const output = new AudioOutput(stack.createAudioSource());
  let ended = false;
  output.play(new ToneSource(440), () => {
    ended = true;
  });
  output.start();
  await new Promise((resolve) => setTimeout(resolve, 200));
  output.close();
  const frames = stack.sources[0]?.frames ?? [];
  assert.ok(frames.length >= 15 && frames.length <= 25, `${frames.length} frames in 200 ms`);
  assert.ok(frames.every((f) => f.length === 480));
  assert.equal(ended, false);
  assert.equal(stack.sources[0]?.track.stopped, true);
});
