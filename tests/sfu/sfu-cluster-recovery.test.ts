// A call across three servers sharing one Janus, through the failures a cluster lives with: a
// participant whose connection drops resumes its session on another server, and the server of a
// publisher crashes and is started again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { isEvent } from '../server/helpers/talk-steps.js';
import { callAcrossServers } from './helpers/cluster-call.js';
import { hearsWithin } from './helpers/hearing.js';
import { startSfuClusterEnv } from './helpers/sfu-cluster-env.js';
import { mcuData, type SfuPeer } from './helpers/sfu-peer.js';

const REMOTE_VIDEO = 'signaling_mcu_remote_subscribers{type="video"}';
const REMOTE_SCREEN = 'signaling_mcu_remote_subscribers{type="screen"}';

// Janus ignores loopback interfaces for ICE: this file runs itself again in a private network
// namespace (see packages/testkit/src/netns.ts); the signaling servers and nats-server run there too.
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('sfu cluster - a session resumed on a third server keeps its streams; a publisher survives its server restarting', {
    timeout: 90_000,
  }, async (t) => {
    await using env = await startSfuClusterEnv(3);
    const [alice, bob, carol] = await callAcrossServers(env, 'recovery', [
      ['alice', 0],
      ['bob', 1],
      ['carol', 2],
    ]);
    await Promise.all([
      alice.publish({ frequency: 440 }),
      bob.publish({ frequency: 660 }),
      carol.publish({ frequency: 1_000 }),
    ]);
    const [bobHearsAlice, bobHearsCarol, aliceHearsBob, carolHearsAlice] = await Promise.all([
      bob.subscribe(alice.sessionId),
      bob.subscribe(carol.sessionId),
      alice.subscribe(bob.sessionId),
      carol.subscribe(alice.sessionId),
    ]);
    assert.equal(await hearsWithin(bobHearsAlice, 440), 440);
    assert.equal(await hearsWithin(bobHearsCarol, 1_000), 1_000);
    assert.equal(await hearsWithin(aliceHearsBob, 660), 660);
    assert.equal(await hearsWithin(carolHearsAlice, 440), 440);

    // Bob's connection to server 1 drops and he resumes on server 2. His session stays on server
    // 1 (the new connection is relayed there), and so do his publisher and his subscriptions: the
    // media keeps flowing and nobody sees him leave.
    await env.resume(bob, 2);
    assert.equal(await hearsWithin(bobHearsAlice, 440), 440, 'Bob still hears Alice');
    assert.equal(await hearsWithin(bobHearsCarol, 1_000), 1_000, 'Bob still hears Carol');
    assert.equal(await hearsWithin(aliceHearsBob, 660), 660, 'Alice still hears Bob');
    assert.equal(await env.metric(1, REMOTE_VIDEO), 2);
    assert.equal(await env.metric(1, 'signaling_mcu_publishers{type="video"}'), 1);
    // New signaling goes through the relay: Alice shares her screen and Bob subscribes to it
    // (offer, answer and candidates all cross servers 2 → 1 → Janus and back).
    await alice.publish({ roomType: 'screen', frequency: 880, sid: 'alice-screen' });
    const bobSeesAliceScreen = await bob.subscribe(alice.sessionId, 'screen');
    assert.equal(await hearsWithin(bobSeesAliceScreen, 880), 880);
    assert.equal(await env.metric(1, REMOTE_SCREEN), 1);
    // Renegotiating an existing subscription (same sid) goes through the relay too.
    bob.sendTo(alice.sessionId, {
      type: 'requestoffer',
      roomType: 'video',
      sid: bobHearsAlice.sid,
    });
    const reoffer = await bob.client.next((f) => {
      const data = mcuData(f);
      return data?.type === 'offer' && data.from === alice.sessionId && data.roomType === 'video';
    }, 10_000);
    assert.equal(mcuData(reoffer)?.sid, bobHearsAlice.sid);

    // Alice's server crashes. Bob and Carol are told she left once the cluster gives the server up;
    // their subscriptions to her streams end.
    const leftAt = (peer: SfuPeer, sessionId: string) =>
      peer.client.next(
        (f) =>
          isEvent('room', 'leave')(f) &&
          ((f.event as { leave?: string[] }).leave ?? []).includes(sessionId),
        20_000,
      );
    const told = Promise.all([leftAt(bob, alice.sessionId), leftAt(carol, alice.sessionId)]);
    const killed = Date.now();
    await env.cluster.servers[0]?.kill('SIGKILL');
    await told;
    t.diagnostic(`Bob and Carol were told Alice left ${Date.now() - killed} ms after the SIGKILL`);
    await env.metricBecomes(1, REMOTE_VIDEO, 1);
    await env.metricBecomes(1, REMOTE_SCREEN, 0);
    await env.metricBecomes(2, REMOTE_VIDEO, 0);
    // The two others go on: still hearing each other, and a new subscription works.
    assert.equal(await hearsWithin(bobHearsCarol, 1_000), 1_000);
    const carolHearsBob = await carol.subscribe(bob.sessionId);
    assert.equal(await hearsWithin(carolHearsBob, 660), 660);

    // Server 0 is started again; Alice's client, whose session died with it, says hello anew,
    // joins the room with her Talk session, the call, and publishes again.
    await env.cluster.restart(0);
    await env.cluster.servers[0]?.waitForLog(/connected to janus/, 15_000);
    await Promise.all([0, 1, 2].map((i) => env.cluster.waitForPeers(i, 2, 15_000)));
    const alice2 = await env.rejoin(alice, 0, 'recovery', 'alice');
    await Promise.all([bob, carol].map((p) => env.seesInCall(p, [alice2.sessionId])));
    // Like Talk's client, she subscribes to those she sees in the call (her restarted server
    // learns the others' call state from the cluster, not at once).
    await env.seesInCall(alice2, [bob.sessionId, carol.sessionId]);
    await alice2.publish({ frequency: 550 });
    // Subscribers on the other servers subscribe to her new session; she subscribes to them.
    const [bobHearsAlice2, carolHearsAlice2, alice2HearsBob] = await Promise.all([
      bob.subscribe(alice2.sessionId),
      carol.subscribe(alice2.sessionId),
      alice2.subscribe(bob.sessionId),
    ]);
    assert.equal(await hearsWithin(bobHearsAlice2, 550), 550);
    assert.equal(await hearsWithin(carolHearsAlice2, 550), 550);
    assert.equal(await hearsWithin(alice2HearsBob, 660), 660);
    assert.equal(await env.metric(0, REMOTE_VIDEO), 1);
    // Her old session is gone for good: asking for its stream is refused at once.
    const id = bob.sendTo(alice.sessionId, { type: 'requestoffer', roomType: 'video' });
    const refused = await bob.error(id, 5_000);
    assert.deepEqual((refused.error as { details?: unknown }).details, {
      reason: 'recipient unknown',
    });
  });
}
