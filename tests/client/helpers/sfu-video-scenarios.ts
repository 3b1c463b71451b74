// The SFU video scenarios of the client suite, run by client-sfu-video.test.ts (Janus directly) and
// client-sfu-video-proxy.test.ts (through our signaling proxy): one file per mode, so that each
// stays well inside the runner's bound per file on a loaded machine.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
  decodeTestPattern,
  decodeWav,
  decodeY4m,
  InternalClient,
  type Participant,
  type VideoFrame,
} from '@spreed-ts/client';
import type { SfuMode } from '../../sfu/helpers/sfu-mcu.js';
import { concatFrames, dominantFrequency } from './audio-analysis.js';
import { talk } from './run-cli.js';
import { startTalkEnv } from './talk-env.js';
import { collectVideo, frameRate, nextPicture } from './video-analysis.js';

/**
 * A sender publishes a simulcast camera and a screen, a viewer receives both; the viewer switches
 * the camera to the smallest layer and back. In `proxy` mode the proxy's metrics must show that
 * the streams and the `selectStream` messages went through it.
 */
export async function cameraAndScreen(mode: SfuMode, t: TestContext): Promise<void> {
  await using env = await startTalkEnv({}, { sfu: true, sfuMode: mode });
  const sender = await env.join({ name: 'Sender' });
  const viewer = await env.join({ name: 'Viewer' });
  const camera = collectVideo(viewer, () => sender.sessionId, 45);
  const screen = collectVideo(viewer, () => sender.sessionId, 20, { roomType: 'screen' });
  await sender.joinCall({
    audio: { tone: 440 },
    video: { testPattern: { width: 640, height: 480, frameRate: 15, id: 7 } },
    screen: { testPattern: { width: 640, height: 360, frameRate: 5, id: 9 } },
  });
  await viewer.joinCall({ audio: false, receiveVideo: true });

  await t.test('the camera arrives with its marker, at a plausible rate', async () => {
    const seen = await camera;
    assert.deepEqual([...seen.ids], [7]);
    assert.deepEqual([...seen.sizes], ['640×480'], 'the full-size layer is forwarded first');
    assert.ok(seen.marked >= seen.frames * 0.8, `${seen.marked}/${seen.frames} pictures marked`);
    const rate = frameRate(seen);
    assert.ok(rate > 3 && rate < 25, `received ${rate.toFixed(1)} distinct pictures per second`);
    console.log(
      `sfu camera (${mode}): ${seen.frames} pictures, ${rate.toFixed(1)} fps, ${[...seen.sizes]}`,
    );
  });

  await t.test('the shared screen arrives as a screen stream (sendoffer)', async () => {
    const seen = await screen;
    assert.deepEqual([...seen.ids], [9]);
    assert.ok(seen.marked >= seen.frames * 0.8, `${seen.marked}/${seen.frames} pictures marked`);
    assert.deepEqual([...seen.sizes], ['640×360']);
    console.log(`sfu screen (${mode}): ${seen.frames} pictures, ${frameRate(seen).toFixed(1)} fps`);
  });

  await t.test('selectStream switches to a smaller simulcast layer', async () => {
    const id = sender.sessionId as string;
    assert.equal(viewer.selectStream(id, { substream: 0, temporal: 2 }), true);
    // Janus switches at the layer's next key frame.
    const small = await nextPicture(viewer, id, (f) => f.width < 640, 20_000);
    assert.equal(decodeTestPattern(small)?.id, 7, 'the small layer carries the marker too');
    assert.equal(small.width * 3, small.height * 4, `${small.width}×${small.height} keeps 4:3`);
    // And it stays there: the next pictures are all of the small layer.
    const after = await collectVideo(viewer, () => id, 15);
    assert.deepEqual([...after.sizes], [`${small.width}×${small.height}`]);
    console.log(`sfu simulcast (${mode}): substream 0 is ${small.width}×${small.height}`);
  });

  await t.test('selectStream temporal 0 forwards only the base temporal layer', async () => {
    const id = sender.sessionId as string;
    assert.equal(viewer.selectStream(id, { temporal: 0 }), true);
    // Janus drops the upper temporal layers from the next picture on; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const base = await collectVideo(viewer, () => id, 8);
    // The camera is sent as three temporal layers (L1T3): the base layer is every fourth
    // picture, so the frame counters received step by four (or more, when the sender skipped
    // pictures). A key frame restarts the pattern, hence the median.
    const gap = medianGap(base.counters);
    assert.ok(gap >= 4, `counters ${[...base.counters]} step by ${gap}`);
    assert.deepEqual([...base.ids], [7]);
    console.log(`sfu temporal (${mode}): layer 0 steps by ${gap} pictures`);
  });

  await t.test('selectStream switches back up to the full-size layer', async () => {
    const id = sender.sessionId as string;
    assert.equal(viewer.selectStream(id, { substream: 2, temporal: 2 }), true);
    const full = await nextPicture(viewer, id, (f) => f.width === 640, 20_000);
    assert.equal(`${full.width}×${full.height}`, '640×480');
    assert.equal(decodeTestPattern(full)?.id, 7);
    const after = await collectVideo(viewer, () => id, 15);
    assert.deepEqual([...after.sizes], ['640×480'], 'and stays there');
  });

  if (env.mcu?.proxy !== undefined) {
    const proxy = env.mcu.proxy;
    await t.test('camera, screen and selectStream went through the proxy', async () => {
      const metrics = await proxy.metrics();
      for (const [name, type] of [
        ['signaling_proxy_publishers', 'video'],
        ['signaling_proxy_publishers', 'screen'],
        ['signaling_proxy_subscribers', 'video'],
        ['signaling_proxy_subscribers', 'screen'],
      ] as const) {
        assert.equal(metricValue(metrics, name, type), 1, `${name}{type="${type}"}`);
      }
      assert.ok(
        metricValue(metrics, 'signaling_proxy_payload_messages_total', 'selectStream') >= 3,
        'the proxy relayed the three selectStream messages',
      );
    });
  }
}

/**
 * An internal client records a three-party call (two cameras, three tones) to WAV and Y4M files;
 * then `talk record` does the same as an internal client and as a guest.
 */
export async function recordThreeParties(mode: SfuMode, t: TestContext): Promise<void> {
  await using env = await startTalkEnv({}, { sfu: true, sfuMode: mode });
  const dir = await mkdtemp(join(tmpdir(), 'talk-internal-rec-'));
  const recorder = await InternalClient.join({
    signalingUrl: env.sig.httpUrl,
    secret: env.sig.internalSecret,
    backendUrl: env.dev.url,
    token: env.token,
    receiveVideo: true,
    mediaRetryMs: 2000,
  });
  try {
    recorder.record(dir, { video: true });
    const parties = [
      { name: 'Alice', tone: 440, video: 1 },
      { name: 'Bob', tone: 660, video: 2 },
      { name: 'Carol', tone: 1000, video: undefined },
    ];
    const clients = [];
    for (const p of parties) {
      const client = await env.join({ name: p.name });
      await client.joinCall({
        audio: { tone: p.tone },
        ...(p.video === undefined
          ? {}
          : {
              video: { testPattern: { width: 320, height: 240, frameRate: 10, id: p.video } },
            }),
      });
      clients.push(client);
    }
    // Three seconds of everybody's audio, and 20 pictures of each camera.
    const ids = clients.map((c) => c.sessionId as string);
    const audio = ids.map((id) => collectAudio(recorder, id, 300));
    const video = ids.slice(0, 2).map((id) => collectVideo(recorder, () => id, 20));

    await t.test('the recorder hears each participant with their own tone', async () => {
      const heard = await Promise.all(audio);
      heard.forEach((samples, i) => {
        const tone = dominantFrequency(samples.subarray(48_000), [440, 660, 1000]);
        assert.equal(tone.frequency, parties[i]?.tone, `${parties[i]?.name}'s tone`);
      });
    });

    await t.test('the recorder sees both cameras with their markers', async () => {
      const seen = await Promise.all(video);
      assert.deepEqual(
        seen.map((v) => [...v.ids]),
        [[1], [2]],
      );
    });

    await t.test('the files: one WAV per participant, one Y4M per camera', async () => {
      const tracks = await recorder.stopRecording();
      const audioFiles = tracks.filter((r) => r.kind === 'audio');
      const videoFiles = tracks.filter((r) => r.kind === 'video');
      assert.deepEqual(audioFiles.map((r) => r.name).sort(), ['Alice', 'Bob', 'Carol']);
      assert.deepEqual(videoFiles.map((r) => r.name).sort(), ['Alice', 'Bob']);
      for (const track of audioFiles) {
        const wav = decodeWav(new Uint8Array(await readFile(track.path)));
        const tone = parties.find((p) => p.name === track.name)?.tone;
        const got = dominantFrequency(wav.samples.subarray(48_000), [440, 660, 1000]);
        assert.equal(got.frequency, tone, `${track.path}`);
      }
      for (const track of videoFiles) {
        const y4m = decodeY4m(new Uint8Array(await readFile(track.path)));
        assert.equal(`${y4m.width}×${y4m.height}`, '320×240');
        assert.ok(y4m.frames.length >= 20, `${track.path}: ${y4m.frames.length} frames`);
        const id = parties.find((p) => p.name === track.name)?.video;
        const marked = y4m.frames.filter((f) => decodeTestPattern(f)?.id === id).length;
        assert.ok(marked >= y4m.frames.length * 0.8, `${marked}/${y4m.frames.length} marked`);
        console.log(
          `recorded (${mode}) ${track.name}: ${y4m.frames.length} frames, ${track.frames} received`,
        );
      }
    });

    await t.test(
      'talk record: as an internal client and as a guest, with --video-record',
      async () => {
        const outInternal = join(dir, 'internal');
        const outGuest = join(dir, 'guest');
        const common = ['--video-record', '--duration', '4'];
        const [internal, guest] = await Promise.all([
          talk(
            [
              'record',
              env.roomUrl,
              '--signaling',
              env.sig.httpUrl,
              '--out',
              outInternal,
              ...common,
            ],
            40_000,
            { TALK_INTERNAL_SECRET: env.sig.internalSecret },
          ),
          talk(['record', env.roomUrl, '--out', outGuest, ...common], 40_000),
        ]);
        for (const [result, out] of [
          [internal, outInternal],
          [guest, outGuest],
        ] as const) {
          assert.equal(result.code, 0, `${result.out}\n${result.err}`);
          assert.match(result.out, /^in call \(through the SFU\)$/m);
          assert.match(result.out, /^receiving video from Alice$/m);
          assert.match(result.out, /^Bob is in the call with audio and video$/m);
          assert.match(result.out, /^Carol is in the call with audio$/m);
          const files = (await readdir(out)).sort();
          assert.equal(files.filter((f) => f.endsWith('.wav')).length, 3, files.join(' '));
          assert.equal(files.filter((f) => f.endsWith('-video.y4m')).length, 2, files.join(' '));
          for (const p of parties) {
            const wav = files.find((f) => f.startsWith(`${p.name}-`) && f.endsWith('.wav'));
            const samples = decodeWav(new Uint8Array(await readFile(join(out, wav as string))));
            const got = dominantFrequency(samples.samples.subarray(48_000), [440, 660, 1000]);
            assert.equal(got.frequency, p.tone, `${out}/${wav}`);
          }
          const y4m = files.find((f) => f.startsWith('Bob-') && f.endsWith('.y4m'));
          const bob = decodeY4m(new Uint8Array(await readFile(join(out, y4m as string))));
          assert.ok(bob.frames.length >= 15, `${bob.frames.length} frames of Bob`);
          assert.equal(decodeTestPattern(bob.frames.at(-1) as VideoFrame)?.id, 2);
        }
      },
    );
  } finally {
    await recorder.leave();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The median step between the distinct frame counters of a received stream. */
function medianGap(counters: Set<number>): number {
  const sorted = [...counters].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((c, i) => c - (sorted[i] as number));
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? 0;
}

/** The value of `name{type="<type>"}` in a Prometheus text exposition (0 when absent). */
function metricValue(text: string, name: string, type: string): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && l.includes(`type="${type}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Collects `frames` 10 ms frames of `from`'s audio as the client receives them. */
function collectAudio(client: InternalClient, from: string, frames: number): Promise<Int16Array> {
  const got: Int16Array[] = [];
  return new Promise((resolve) => {
    const onFrame = (p: Participant, samples: Int16Array): void => {
      if (p.sessionId === from) {
        got.push(samples);
        if (got.length === frames) {
          client.off('audioFrame', onFrame);
          resolve(concatFrames(got));
        }
      }
    };
    client.on('audioFrame', onFrame);
  });
}
