import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { isEvent } from '../server/helpers/talk-steps.js';
import { callAcrossServers } from './helpers/cluster-call.js';
import { hears, hearsWithin, SILENCE_RMS, silentWithin } from './helpers/hearing.js';
import { startSfuClusterEnv } from './helpers/sfu-cluster-env.js';
import type { SfuPeer } from './helpers/sfu-peer.js';

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
const REMOTE_SCREEN = 'signaling_mcu_remote_subscribers{type="screen"}';

// Talk attendee permission bits (custom, start + join call, publish video, chat).
const CUSTOM = 1;
const JOIN = 2 | 4;
const VIDEO = 32;
const CHAT = 128;

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
  }, async (t) => {
    await using env = await startSfuClusterEnv(3);
    const { dev, servers } = env.cluster;
    const [alice, bob, carol] = await callAcrossServers(env, 'cluster-fail', [
      ['alice', 0],
      ['bob', 1],
      ['carol', 2],
    ]);
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
    // Heartbeats every second here ([nats] heartbeat = 1): given up after 4 s of silence, swept
    // once a second.
    assert.ok(after < 8_000, `told after ${after} ms`);
    t.diagnostic(`Alice and Bob were told Carol left ${after} ms after the SIGKILL`);
    await until(async () => (await env.metric(0, REMOTE_VIDEO)) === 1, 5_000, 'server 0');
    await until(async () => (await env.metric(1, REMOTE_VIDEO)) === 1, 5_000, 'server 1');
    await sleep(1_200);
    assert.equal(await hears(aliceHearsBob), 660);
    assert.equal(await hears(bobHearsAlice), 440);
    // A new stream between the two who are left: Alice shares her screen, Bob subscribes.
    await alice.publish({ roomType: 'screen', frequency: 1_300, sid: 'after-kill' });
    const bobSeesAlice = await bob.subscribe(alice.sessionId, 'screen');
    assert.equal(await hearsWithin(bobSeesAlice, 1_300), 1_300);
    // Carol is unknown now: asking for her stream is refused at once.
    const id = alice.sendTo(carol.sessionId, { type: 'requestoffer', roomType: 'video' });
    const refused = await alice.error(id, 3_000);
    assert.deepEqual((refused.error as { details?: unknown }).details, {
      reason: 'recipient unknown',
    });
  });

  test('sfu cluster - stream selection, unpublish and republish, and permissions act across servers', {
    timeout: 60_000,
  }, async () => {
    await using env = await startSfuClusterEnv(2);
    const { dev } = env.cluster;
    for (const user of ['alice', 'bob', 'eve']) {
      dev.addUser(user);
    }
    // Bob owns the conversation, so a moderator can take permissions from Alice.
    dev.createRoom({ token: 'cluster-streams', owner: 'bob' });
    dev.createRoom({ token: 'cluster-other', owner: 'eve' });
    // Talk notifies server 0 only: Alice's permission changes reach server 1 through the cluster.
    const alice = await env.peer(1, 'cluster-streams', 'alice');
    const bob = await env.peer(0, 'cluster-streams', 'bob');
    const eve = await env.peer(0, 'cluster-other', 'eve');
    await Promise.all([alice, bob].map((p) => env.seesInCall(p, [alice.sessionId, bob.sessionId])));
    await alice.publish({ frequency: 440 });
    const bobHearsAlice = await bob.subscribe(alice.sessionId);
    assert.equal(await hearsWithin(bobHearsAlice, 440), 440);

    // Same room: Eve is in a call, but in another conversation, so she may not subscribe to
    // Alice, nor Alice to her.
    const fromEve = eve.sendTo(alice.sessionId, { type: 'requestoffer', roomType: 'video' });
    assert.equal(((await eve.error(fromEve)).error as { code: string }).code, 'not_allowed');
    await eve.publish({ frequency: 1_500 });
    const toEve = alice.sendTo(eve.sessionId, { type: 'requestoffer', roomType: 'video' });
    assert.deepEqual((await alice.error(toEve)).error, {
      code: 'not_allowed',
      message: 'Not allowed to request offer.',
      details: { reason: 'recipient unknown' },
    });

    // selectStream on a subscription to a publisher on the other server: audio off is silence,
    // audio on brings the tone back; simulcast layers are accepted.
    const select = (payload: Record<string, unknown>) =>
      bob.sendTo(alice.sessionId, {
        type: 'selectStream',
        roomType: 'video',
        sid: bobHearsAlice.sid,
        payload,
      });
    const off = select({ audio: false });
    await bob.client.expectNothing((f) => f.type === 'error' && f.id === off, 500);
    const silent = await silentWithin(bobHearsAlice);
    assert.ok(
      !silent.fresh || silent.rms < SILENCE_RMS,
      `silence expected: ${JSON.stringify(silent)}`,
    );
    select({ audio: true });
    assert.equal(await hearsWithin(bobHearsAlice, 440), 440);
    const layers = select({ substream: 0, temporal: 0 });
    await bob.client.expectNothing((f) => f.type === 'error' && f.id === layers, 500);
    assert.equal(await hearsWithin(bobHearsAlice, 440), 440);

    // (Unpublishing a video stream is leaving the call, above.) Unpublish and republish a
    // screen: unshareScreen ends the screen publisher on server 1 and
    // Bob's subscription to it on server 0; a new share is subscribed to again.
    await alice.publish({ roomType: 'screen', frequency: 880, sid: 'screen-1' });
    const bobSeesScreen = await bob.subscribe(alice.sessionId, 'screen');
    assert.equal(await hearsWithin(bobSeesScreen, 880), 880);
    assert.equal(await env.metric(0, REMOTE_SCREEN), 1);
    alice.sendTo(alice.sessionId, { type: 'unshareScreen', roomType: 'screen' });
    await env.metricBecomes(1, 'signaling_mcu_publishers{type="screen"}', 0);
    await env.metricBecomes(0, REMOTE_SCREEN, 0);
    await alice.publish({ roomType: 'screen', frequency: 990, sid: 'screen-2' });
    const bobSeesScreenAgain = await bob.subscribe(alice.sessionId, 'screen');
    assert.equal(await hearsWithin(bobSeesScreenAgain, 990), 990);

    // Permissions: a moderator takes Alice's microphone (Talk tells server 0). Her publisher on
    // server 1 closes, Bob's subscription on server 0 with it, and publishing again is refused.
    dev.setPermissions('cluster-streams', 'alice', CUSTOM | JOIN | VIDEO | CHAT);
    await env.metricBecomes(1, 'signaling_mcu_publishers{type="video"}', 0);
    await env.metricBecomes(0, REMOTE_VIDEO, 0);
    const refused = await alice.offerOnly('video');
    assert.deepEqual((await alice.error(refused)).error, {
      code: 'not_allowed',
      message: 'Not allowed to publish.',
      details: { reason: 'missing permission', permission: 'publish-audio' },
    });
  });
}
