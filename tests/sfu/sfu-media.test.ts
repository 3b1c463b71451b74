import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { dominantFrequency, rms } from './helpers/audio.js';
import { SFU_MODES, startSfuEnv } from './helpers/sfu-env.js';
import { inboundAudio } from './helpers/sfu-peer.js';

// Janus ignores loopback interfaces for ICE: this file runs itself again in a private network
// namespace where Janus has 127.0.0.2 on a veth (see packages/testkit/src/netns.ts).
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  for (const mode of SFU_MODES) {
    test(`sfu media (${mode}) - a published 440 Hz tone reaches a subscriber through Janus`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'media', owner: 'alice' });
      const alice = await env.peer('media', 'alice');
      const bob = await env.peer('media', 'bob');
      // While Janus is connected the SFU is advertised, and rooms carry its bitrate limits.
      for (const feature of ['mcu', 'simulcast', 'update-sdp', 'offer-codecs']) {
        assert.ok(alice.helloFeatures.includes(feature), feature);
      }
      assert.deepEqual(
        (alice.roomResponse?.room as { bandwidth?: unknown } | undefined)?.bandwidth,
        {
          maxstreambitrate: 1_048_576,
          maxscreenbitrate: 2_097_152,
        },
      );
      await alice.publish({ frequency: 440 });
      const { pc, recorder } = await bob.subscribe(alice.sessionId);
      const audio = await recorder;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const { packets, bytes } = await inboundAudio(pc);
      // Opus at 20 ms per packet: about 50 packets per second.
      assert.ok(packets >= 80, `packets received: ${packets}`);
      assert.ok(bytes >= 4_000, `bytes received: ${bytes}`);
      const samples = audio.lastSeconds(1);
      assert.ok(samples.length >= audio.sampleRate * 0.9, `samples: ${samples.length}`);
      assert.ok(rms(samples) > 0.05, `the received audio is not silence (rms ${rms(samples)})`);
      assert.equal(dominantFrequency(samples, audio.sampleRate), 440);
    });

    test(`sfu media (${mode}) - two peers hear each other (660 Hz and 1000 Hz)`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'duplex', owner: 'alice' });
      const alice = await env.peer('duplex', 'alice');
      const bob = await env.peer('duplex', 'bob');
      await Promise.all([alice.publish({ frequency: 660 }), bob.publish({ frequency: 1_000 })]);
      const [fromBob, fromAlice] = await Promise.all([
        alice.subscribe(bob.sessionId),
        bob.subscribe(alice.sessionId),
      ]);
      const [atAlice, atBob] = await Promise.all([fromBob.recorder, fromAlice.recorder]);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.equal(dominantFrequency(atAlice.lastSeconds(1), atAlice.sampleRate), 1_000);
      assert.equal(dominantFrequency(atBob.lastSeconds(1), atBob.sampleRate), 660);
      assert.ok((await inboundAudio(fromBob.pc)).packets > 40);
      assert.ok((await inboundAudio(fromAlice.pc)).packets > 40);
    });
  }
}
