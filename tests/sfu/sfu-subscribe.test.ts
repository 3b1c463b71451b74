import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns, waitUntil } from '@spreed-ts/testkit';
import { dominantFrequency } from './helpers/audio.js';
import { SFU_MODES, startSfuEnv } from './helpers/sfu-env.js';
import { mcuData } from './helpers/sfu-peer.js';

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  for (const mode of SFU_MODES) {
    test(`sfu subscribe (${mode}) - requestoffer waits for a publisher that is about to appear`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode, mcuTimeoutSeconds: 5 });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'early', owner: 'alice' });
      const alice = await env.peer('early', 'alice');
      const bob = await env.peer('early', 'bob');
      // Bob asks first; Alice starts publishing a moment later.
      const subscription = bob.subscribe(alice.sessionId);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await alice.publish({ frequency: 550 });
      const { recorder } = await subscription;
      const audio = await recorder;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.equal(dominantFrequency(audio.lastSeconds(1), audio.sampleRate), 550);
    });

    test(`sfu subscribe (${mode}) - no publisher within [mcu] timeout: client_not_found`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode, mcuTimeoutSeconds: 1 });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'silent', owner: 'alice' });
      const alice = await env.peer('silent', 'alice');
      const bob = await env.peer('silent', 'bob');
      const started = Date.now();
      const id = bob.sendTo(alice.sessionId, { type: 'requestoffer', roomType: 'video' });
      const error = await bob.error(id);
      assert.deepEqual(error.error, {
        code: 'client_not_found',
        message: 'No MCU client found to send message to.',
      });
      assert.ok(Date.now() - started >= 900, 'waited for the publisher first');
    });

    test(`sfu subscribe (${mode}) - renegotiation with the same sid; leaving the call releases everything`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'reneg', owner: 'alice' });
      const alice = await env.peer('reneg', 'alice');
      const bob = await env.peer('reneg', 'bob');
      await alice.publish();
      const { sid } = await bob.subscribe(alice.sessionId);
      assert.deepEqual(env.counts(), { publishers: 1, subscribers: 1 });
      // update-sdp: a requestoffer with the subscriber's sid renegotiates on the same subscriber.
      bob.sendTo(alice.sessionId, { type: 'requestoffer', roomType: 'video', sid });
      const offer = await bob.client.next((f) => mcuData(f)?.type === 'offer', 10_000);
      assert.equal(mcuData(offer)?.sid, sid);
      assert.equal(mcuData(offer)?.from, alice.sessionId);
      // selectStream on the subscriber (audio only): accepted silently.
      const select = bob.sendTo(alice.sessionId, {
        type: 'selectStream',
        roomType: 'video',
        sid,
        payload: { audio: true, video: false },
      });
      await bob.client.expectNothing((f) => f.type === 'error' && f.id === select, 300);
      // Talk reports Bob out of the call: his subscriber goes; Alice leaving ends her publisher.
      env.dev.setInCall(bob.talkSessionId, 0);
      await waitUntil(() => env.counts().subscribers === 0);
      env.dev.setInCall(alice.talkSessionId, 0);
      await waitUntil(() => env.counts().publishers === 0);
    });
  }
}
