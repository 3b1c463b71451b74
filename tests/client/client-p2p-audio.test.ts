import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeWav, type Participant, type TalkClient } from '@spreed-ts/client';
import { concatFrames, dominantFrequency } from './helpers/audio-analysis.js';
import { startTalkEnv } from './helpers/talk-env.js';

/** Collects `seconds` of audio that `client` receives from `from`. */
function collectAudio(client: TalkClient, from: () => string | undefined, seconds: number) {
  const frames: Int16Array[] = [];
  const wanted = seconds * 100;
  return new Promise<Int16Array>((resolve) => {
    const onFrame = (p: Participant, samples: Int16Array): void => {
      if (p.sessionId !== from()) {
        return;
      }
      frames.push(samples);
      if (frames.length >= wanted) {
        client.off('audioFrame', onFrame);
        resolve(concatFrames(frames));
      }
    };
    client.on('audioFrame', onFrame);
  });
}

test('p2p - two SDK peers hear each other (440 Hz and 660 Hz)', { timeout: 60_000 }, async () => {
  await using env = await startTalkEnv();
  const a = await env.join({ name: 'Alice' });
  const b = await env.join({ name: 'Bob' });
  const aHearsB = collectAudio(a, () => b.sessionId, 2);
  const bHearsA = collectAudio(b, () => a.sessionId, 2);
  await a.joinCall({ audio: { tone: 440 } });
  await b.joinCall({ audio: { tone: 660 } });
  const [fromB, fromA] = await Promise.all([aHearsB, bHearsA]);
  // Skip the first half second (codec start-up), analyse the rest.
  const tail = (s: Int16Array) => s.subarray(24_000);
  const heardByA = dominantFrequency(tail(fromB), [440, 660, 1000]);
  const heardByB = dominantFrequency(tail(fromA), [440, 660, 1000]);
  assert.equal(heardByA.frequency, 660);
  assert.equal(heardByB.frequency, 440);
  assert.ok(heardByA.ratio > 10, `660 Hz should dominate (ratio ${heardByA.ratio})`);
  assert.ok(heardByB.ratio > 10, `440 Hz should dominate (ratio ${heardByB.ratio})`);
});

test('p2p - a receive-only client hears a WAV file (16 kHz stereo, converted) from a publisher', {
  timeout: 60_000,
}, async () => {
  await using env = await startTalkEnv();
  const dir = await mkdtemp(join(tmpdir(), 'talk-wav-'));
  try {
    // 3 s of 1000 Hz at 16 kHz, stereo: the SDK converts to 48 kHz mono.
    const rate = 16_000;
    const stereo = new Int16Array(rate * 3 * 2);
    for (let i = 0; i < rate * 3; i++) {
      const v = Math.round(10_000 * Math.sin((2 * Math.PI * 1000 * i) / rate));
      stereo[2 * i] = v;
      stereo[2 * i + 1] = v;
    }
    const file = join(dir, 'tone.wav');
    await writeFile(file, encodeWav(stereo, rate, 2));
    const listener = await env.join({ name: 'Listener' });
    const speaker = await env.join({ name: 'Speaker' });
    const heard = collectAudio(listener, () => speaker.sessionId, 1.5);
    await listener.joinCall({ audio: false });
    await speaker.joinCall({ audio: { wav: file } });
    const samples = await heard;
    assert.equal(dominantFrequency(samples.subarray(24_000), [440, 660, 1000]).frequency, 1000);
    assert.equal(
      listener.participants.find((p) => p.sessionId === speaker.sessionId)?.displayName,
      'Speaker',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
