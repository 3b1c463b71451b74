import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTestPattern } from '@spreed-ts/client';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { startTalkEnv } from './helpers/talk-env.js';
import { collectVideo, frameRate, nextPicture } from './helpers/video-analysis.js';

// Janus ignores loopback interfaces for ICE: this file runs itself again in a private network
// namespace where Janus has 127.0.0.2 on a veth (packages/testkit/src/netns.ts).
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('sfu video - camera (simulcast, selectStream) and screen share through Janus', {
    timeout: 90_000,
  }, async (t) => {
    await using env = await startTalkEnv({}, { sfu: true });
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
        `sfu camera: ${seen.frames} pictures, ${rate.toFixed(1)} fps, ${[...seen.sizes]}`,
      );
    });

    await t.test('the shared screen arrives as a screen stream (sendoffer)', async () => {
      const seen = await screen;
      assert.deepEqual([...seen.ids], [9]);
      assert.ok(seen.marked >= seen.frames * 0.8, `${seen.marked}/${seen.frames} pictures marked`);
      assert.deepEqual([...seen.sizes], ['640×360']);
      console.log(`sfu screen: ${seen.frames} pictures, ${frameRate(seen).toFixed(1)} fps`);
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
      console.log(`sfu simulcast: substream 0 is ${small.width}×${small.height}`);
    });
  });
}
