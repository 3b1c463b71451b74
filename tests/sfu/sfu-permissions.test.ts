import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns, waitUntil } from '@spreed-ts/testkit';
import { SFU_MODES, startSfuEnv } from './helpers/sfu-env.js';

// Talk attendee permission bits (custom, start + join call, publish video, chat).
const CUSTOM = 1;
const JOIN = 2 | 4;
const VIDEO = 32;
const CHAT = 128;

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  for (const mode of SFU_MODES) {
    test(`sfu permissions (${mode}) - publishing audio without publish-audio is not_allowed`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.createRoom({ token: 'listen', owner: 'alice' });
      env.dev.setDefaultPermissions('listen', CUSTOM | JOIN | CHAT);
      const guest = await env.peer('listen', null, { inCall: 1 });
      const id = await guest.offerOnly('video');
      assert.deepEqual(await guest.error(id), {
        id,
        type: 'error',
        error: {
          code: 'not_allowed',
          message: 'Not allowed to publish.',
          details: { reason: 'missing permission', permission: 'publish-audio' },
        },
      });
      assert.deepEqual(env.counts(), { publishers: 0, subscribers: 0 });
    });

    test(`sfu permissions (${mode}) - requestoffer is not_allowed until both are in the call, with why`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'order', owner: 'alice' });
      const alice = await env.peer('order', 'alice');
      // Bob joined the room but not (yet) the call: the seed's failure.
      const bob = await env.peer('order', 'bob', { inCall: 0 });
      await alice.publish();
      const reason = async (to: string) => {
        const id = bob.sendTo(to, { type: 'requestoffer', roomType: 'video' });
        const error = (await bob.error(id)).error as {
          code: string;
          message: string;
          details: unknown;
        };
        assert.equal(error.code, 'not_allowed');
        assert.equal(error.message, 'Not allowed to request offer.');
        return error.details;
      };
      assert.deepEqual(await reason(alice.sessionId), { reason: 'sender not in call' });
      env.dev.setInCall(bob.talkSessionId, 3);
      await env.seesInCall(bob, bob.sessionId);
      assert.deepEqual(await reason('no-such-session'), { reason: 'recipient unknown' });
      env.dev.setInCall(alice.talkSessionId, 0);
      await env.seesInCall(bob, bob.sessionId).catch(() => undefined);
      assert.deepEqual(await reason(alice.sessionId), { reason: 'recipient not in call' });
    });

    test(`sfu permissions (${mode}) - withdrawing publish permissions closes the publisher`, {
      timeout: 60_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.createRoom({ token: 'revoke', owner: 'alice' });
      const bob = await env.peer('revoke', 'bob');
      await bob.publish();
      assert.equal(env.counts().publishers, 1);
      // A moderator takes Bob's microphone: Talk sends the new permissions.
      env.dev.setPermissions('revoke', 'bob', CUSTOM | JOIN | VIDEO | CHAT);
      await waitUntil(() => env.counts().publishers === 0);
      // Publishing again is refused.
      const id = await bob.offerOnly('video');
      assert.equal(
        ((await bob.error(id)).error as { message: string }).message,
        'Not allowed to publish.',
      );
    });
  }
}
