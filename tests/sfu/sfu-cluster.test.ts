import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { isEvent } from '../server/helpers/talk-steps.js';
import { dominantFrequency } from './helpers/audio.js';
import { startSfuClusterEnv } from './helpers/sfu-cluster-env.js';
import type { SfuPeer, Subscription } from './helpers/sfu-peer.js';

/** What the recording of a subscription is hearing now. */
async function hears(subscription: Subscription): Promise<number> {
  const audio = await subscription.recorder;
  return dominantFrequency(audio.lastSeconds(1), audio.sampleRate);
}

/** Polls `check` until it holds (bounded). */
async function until(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(100);
  }
}

const REMOTE_VIDEO = 'signaling_mcu_remote_subscribers{type="video"}';

// Janus ignores loopback interfaces for ICE: this file runs itself again in a private network
// namespace (see packages/testkit/src/netns.ts); the signaling servers and nats-server run there too.
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('sfu cluster - three participants on three servers sharing one Janus hear each other and a screen', {
    timeout: 60_000,
  }, async () => {
    await using env = await startSfuClusterEnv(3);
    const { dev } = env.cluster;
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      dev.addUser(user);
    }
    dev.createRoom({ token: 'cluster-call', owner: 'alice' });
    const alice = await env.peer(0, 'cluster-call', 'alice');
    const bob = await env.peer(1, 'cluster-call', 'bob');
    const carol = await env.peer(2, 'cluster-call', 'carol');
    const everyone = [alice, bob, carol];
    const ids = everyone.map((p) => p.sessionId);
    await Promise.all(everyone.map((p) => env.seesInCall(p, ids)));
    const tones = new Map<SfuPeer, number>([
      [alice, 440],
      [bob, 660],
      [carol, 1_000],
    ]);
    await Promise.all(everyone.map((p) => p.publish({ frequency: tones.get(p) ?? 0 })));
    // Everyone subscribes to the two others, each of them on another server.
    const subscriptions = await Promise.all(
      everyone.flatMap((subscriber) =>
        everyone
          .filter((publisher) => publisher !== subscriber)
          .map(async (publisher) => ({
            publisher,
            subscriber,
            subscription: await subscriber.subscribe(publisher.sessionId),
          })),
      ),
    );
    await Promise.all(subscriptions.map((s) => s.subscription.recorder));
    await sleep(1_500);
    for (const { publisher, subscriber, subscription } of subscriptions) {
      assert.equal(
        await hears(subscription),
        tones.get(publisher),
        `${subscriber.sessionId} hears ${publisher.sessionId}`,
      );
    }
    for (const i of [0, 1, 2]) {
      assert.equal(await env.metric(i, 'signaling_mcu_publishers{type="video"}'), 1, `server ${i}`);
      assert.equal(await env.metric(i, REMOTE_VIDEO), 2, `server ${i}`);
    }
    assert.ok((await env.metric(1, 'signaling_mcu_publisher_lookups_total{result="found"}')) >= 2);

    // Screen share across servers: Carol (server 2) pushes her screen to Alice (server 0) with
    // sendoffer, and Bob (server 1) asks for it with requestoffer.
    await carol.publish({ roomType: 'screen', frequency: 880, sid: 'screen-1' });
    carol.sendTo(alice.sessionId, { type: 'sendoffer', roomType: 'screen' });
    const [pushed, requested] = await Promise.all([
      alice.acceptOffer(carol.sessionId, 'screen'),
      bob.subscribe(carol.sessionId, 'screen'),
    ]);
    await Promise.all([pushed.recorder, requested.recorder]);
    await sleep(1_200);
    assert.equal(await hears(pushed), 880);
    assert.equal(await hears(requested), 880);
    assert.equal(await env.metric(0, 'signaling_mcu_remote_subscribers{type="screen"}'), 1);

    // The same-call rules hold across servers: dave (server 1) is in the room but not in the call.
    const daveJoined = await env.cluster.joined(1, 'cluster-call', 'dave');
    const dave = { client: daveJoined.client, sessionId: daveJoined.sessionId };
    const fromDave = dave.client.send({
      type: 'message',
      message: {
        recipient: { type: 'session', sessionid: alice.sessionId },
        data: { type: 'requestoffer', roomType: 'video' },
      },
    });
    const daveError = await dave.client.next((f) => f.type === 'error' && f.id === fromDave);
    assert.deepEqual(daveError.error, {
      code: 'not_allowed',
      message: 'Not allowed to request offer.',
      details: { reason: 'sender not in call' },
    });
    const toDave = alice.sendTo(dave.sessionId, { type: 'requestoffer', roomType: 'video' });
    const aliceError = await alice.error(toDave);
    assert.deepEqual(aliceError.error, {
      code: 'not_allowed',
      message: 'Not allowed to request offer.',
      details: { reason: 'recipient not in call' },
    });
  });

  test('sfu cluster - a publisher that leaves, republishes or loses its server is followed elsewhere', {
    timeout: 60_000,
  }, async () => {
    await using env = await startSfuClusterEnv(3);
    const { dev, servers } = env.cluster;
    for (const user of ['alice', 'bob', 'carol']) {
      dev.addUser(user);
    }
    dev.createRoom({ token: 'cluster-fail', owner: 'alice' });
    const alice = await env.peer(0, 'cluster-fail', 'alice');
    const bob = await env.peer(1, 'cluster-fail', 'bob');
    const carol = await env.peer(2, 'cluster-fail', 'carol');
    const ids = [alice, bob, carol].map((p) => p.sessionId);
    await Promise.all([alice, bob, carol].map((p) => env.seesInCall(p, ids)));
    await Promise.all([
      alice.publish({ frequency: 440 }),
      bob.publish({ frequency: 660 }),
      carol.publish({ frequency: 1_000 }),
    ]);
    const [aliceHearsBob, bobHearsAlice, aliceHearsCarol, bobHearsCarol] = await Promise.all([
      alice.subscribe(bob.sessionId),
      bob.subscribe(alice.sessionId),
      alice.subscribe(carol.sessionId),
      bob.subscribe(carol.sessionId),
    ]);
    await Promise.all(
      [aliceHearsBob, bobHearsAlice, aliceHearsCarol, bobHearsCarol].map((s) => s.recorder),
    );
    await sleep(1_200);
    assert.equal(await hears(aliceHearsCarol), 1_000);
    assert.equal(await hears(bobHearsCarol), 1_000);
    assert.equal(await env.metric(0, REMOTE_VIDEO), 2);

    // Carol leaves the call: her publisher on server 2 closes, and so do the subscriptions to it
    // on servers 0 and 1, as they would on her own server.
    dev.setInCall(carol.talkSessionId, 0);
    await until(async () => (await env.metric(0, REMOTE_VIDEO)) === 1, 5_000, 'server 0');
    await until(async () => (await env.metric(1, REMOTE_VIDEO)) === 1, 5_000, 'server 1');
    // She comes back and publishes again (a new Janus room): a new requestoffer reaches it.
    dev.setInCall(carol.talkSessionId, 7);
    await env.seesInCall(alice, [carol.sessionId]);
    await carol.publish({ frequency: 1_200 });
    const aliceHearsCarolAgain = await alice.subscribe(carol.sessionId);
    await aliceHearsCarolAgain.recorder;
    await sleep(1_200);
    assert.equal(await hears(aliceHearsCarolAgain), 1_200);

    // Carol's server dies. Alice and Bob are told she left once the cluster gives the server up,
    // their subscriptions to her end, and they go on hearing each other.
    const killed = Date.now();
    const leftAt = (peer: SfuPeer) =>
      peer.client.next(
        (f) =>
          isEvent('room', 'leave')(f) &&
          ((f.event as { leave?: string[] }).leave ?? []).includes(carol.sessionId),
        15_000,
      );
    const told = Promise.all([leftAt(alice), leftAt(bob)]);
    await servers[2]?.kill('SIGKILL');
    await told;
    const after = Date.now() - killed;
    assert.ok(after < 8_000, `told after ${after} ms`);
    await until(async () => (await env.metric(0, REMOTE_VIDEO)) === 1, 5_000, 'server 0');
    await until(async () => (await env.metric(1, REMOTE_VIDEO)) === 1, 5_000, 'server 1');
    await sleep(1_200);
    assert.equal(await hears(aliceHearsBob), 660);
    assert.equal(await hears(bobHearsAlice), 440);
    // Carol is unknown now: asking for her stream is refused at once.
    const id = alice.sendTo(carol.sessionId, { type: 'requestoffer', roomType: 'video' });
    const refused = await alice.error(id, 3_000);
    assert.deepEqual((refused.error as { details?: unknown }).details, {
      reason: 'recipient unknown',
    });
  });
}
