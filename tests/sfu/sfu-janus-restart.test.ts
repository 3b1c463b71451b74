import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns, welcomeFeatures } from '@spreed-ts/testkit';
import { dominantFrequency } from './helpers/audio.js';
import { SFU_MODES, startSfuEnv } from './helpers/sfu-env.js';
import type { SfuPeer } from './helpers/sfu-peer.js';

async function hears(listener: SfuPeer, speaker: SfuPeer, frequency: number): Promise<void> {
  const { recorder } = await listener.subscribe(speaker.sessionId);
  const audio = await recorder;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(dominantFrequency(audio.lastSeconds(1), audio.sampleRate), frequency);
}

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  for (const mode of SFU_MODES) {
    test(`sfu janus restart (${mode}) - media is torn down, features withdrawn, and both come back`, {
      timeout: 90_000,
    }, async () => {
      await using env = await startSfuEnv({ mode });
      env.dev.addUser('alice');
      env.dev.addUser('bob');
      env.dev.addUser('carol');
      env.dev.createRoom({ token: 'restart', owner: 'alice' });
      const alice = await env.peer('restart', 'alice');
      const bob = await env.peer('restart', 'bob');
      await alice.publish({ frequency: 440 });
      await hears(bob, alice, 440);
      assert.ok((await welcomeFeatures(env.sig.wsUrl)).includes('mcu'));

      // Janus dies: the server notices, drops every publisher and subscriber and stops
      // advertising the SFU.
      const killedPid = env.janus.pid;
      // Proxy mode: only the Janus behind the proxy dies; the proxy and our server's connection
      // to it stay up, and the proxy tells the server (`backend-disconnected`).
      const proxyPid = env.proxy?.pid;
      await env.janus.kill('SIGKILL');
      await env.sfuConnected(false);
      assert.deepEqual(env.counts(), { publishers: 0, subscribers: 0 });
      const down = await welcomeFeatures(env.sig.wsUrl);
      assert.ok(
        !down.includes('mcu') && !down.includes('simulcast') && !down.includes('update-sdp'),
      );
      assert.ok(!env.sig.server.hub.features.client.includes('mcu'));

      // A session that said hello meanwhile talks peer-to-peer: its offers are relayed.
      const carol = await env.peer('restart', 'carol');
      const p2pOffer = {
        type: 'offer',
        roomType: 'video',
        sid: 'p2p',
        payload: { type: 'offer', sdp: 'v=0' },
      };
      carol.sendTo(bob.sessionId, p2pOffer);
      const relayed = await bob.client.next(
        (f) => f.type === 'message' && (f.message as { data: { sid?: string } }).data.sid === 'p2p',
      );
      assert.deepEqual((relayed.message as { data: unknown }).data, p2pOffer);
      // A session in SFU mode gets upstream's answer while Janus is away.
      const id = await alice.offerOnly('video');
      assert.deepEqual((await alice.error(id)).error, {
        code: 'client_not_found',
        message: 'No MCU client found to send message to.',
      });

      // Janus is back: the server reconnects (backoff from 1 s) and advertises the SFU again.
      await env.janus.restart();
      assert.notEqual(env.janus.pid, killedPid);
      await env.sfuConnected(true, 30_000);
      if (env.proxy !== undefined) {
        // The proxy reconnected to the new Janus and said so (`backend-connected`).
        assert.equal(env.proxy.pid, proxyPid);
        assert.match(env.proxy.log(), /connection to the SFU lost/);
        const established = env.proxy.log().match(/connection to the SFU established/g) ?? [];
        assert.equal(established.length, 2, 'at start and after the restart');
      }
      assert.ok((await welcomeFeatures(env.sig.wsUrl)).includes('mcu'));
      // The clients renegotiate: a new offer publishes again, requestoffer subscribes again.
      await alice.publish({ frequency: 660 });
      await hears(bob, alice, 660);
      // Carol stays in peer-to-peer mode.
      carol.sendTo(bob.sessionId, { ...p2pOffer, sid: 'p2p-2' });
      await bob.client.next(
        (f) =>
          f.type === 'message' && (f.message as { data: { sid?: string } }).data.sid === 'p2p-2',
      );
    });
  }
}
