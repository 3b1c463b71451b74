import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns, waitUntil } from '@spreed-ts/testkit';
import { dominantFrequency } from './helpers/audio.js';
import { SFU_MODES, startSfuEnv } from './helpers/sfu-env.js';
import { inboundAudio, mcuData } from './helpers/sfu-peer.js';

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  for (const mode of SFU_MODES) {
    test(`sfu screen (${mode}) - sendoffer pushes the shared screen to a participant; unshareScreen ends it`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'screen', owner: 'alice' });
      const alice = await env.peer('screen', 'alice');
      const bob = await env.peer('screen', 'bob');
      // The sharer publishes its screen (a tone stands in for the picture), then pushes it.
      await alice.publish({ roomType: 'screen', frequency: 880, sid: 'screen-1' });
      alice.sendTo(bob.sessionId, { type: 'sendoffer', roomType: 'screen' });
      const { pc, recorder } = await bob.acceptOffer(alice.sessionId, 'screen');
      const audio = await recorder;
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      assert.ok((await inboundAudio(pc)).packets > 30);
      assert.equal(dominantFrequency(audio.lastSeconds(1), audio.sampleRate), 880);
      assert.deepEqual(env.counts(), { publishers: 1, subscribers: 1 });
      // Stopping: Talk sends unshareScreen; the copy to the own session closes the screen publisher
      // one second later, and its subscribers with it.
      alice.client.send({
        type: 'message',
        message: {
          recipient: { type: 'session', sessionid: alice.sessionId },
          data: { type: 'unshareScreen', roomType: 'screen' },
        },
      });
      await waitUntil(() => env.counts().publishers === 0 && env.counts().subscribers === 0);
    });

    test(`sfu screen (${mode}) - sendoffer without publish-screen is not_allowed (no period, as upstream)`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      // Custom permissions for everybody: join and publish audio/video, but no screen.
      env.dev.createRoom({ token: 'noscreen', owner: 'alice' });
      env.dev.setDefaultPermissions('noscreen', 1 | 2 | 4 | 16 | 32 | 128);
      const bob = await env.peer('noscreen', 'bob');
      const guest = await env.peer('noscreen', null);
      const id = guest.sendTo(bob.sessionId, { type: 'sendoffer', roomType: 'screen' });
      assert.deepEqual((await guest.error(id)).error, {
        code: 'not_allowed',
        message: 'Not allowed to send offer',
        details: { reason: 'missing permission', permission: 'publish-screen' },
      });
      const offer = await guest.offerOnly('screen');
      assert.deepEqual((await guest.error(offer)).error, {
        code: 'not_allowed',
        message: 'Not allowed to publish.',
        details: { reason: 'missing permission', permission: 'publish-screen' },
      });
      await bob.client.expectNothing((f) => mcuData(f) !== undefined, 300);
    });
  }
}
