import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns, TestClient, waitUntil } from '@spreed-ts/testkit';
import { dominantFrequency } from '../sfu/helpers/audio.js';
import type { SfuPeer } from '../sfu/helpers/sfu-peer.js';
import type { ProxyProcess } from './helpers/go-proxy.js';
import { type ProxyEnv, startProxyEnv } from './helpers/proxy-env.js';

async function hears(listener: SfuPeer, speaker: SfuPeer, frequency: number): Promise<void> {
  const { recorder } = await listener.subscribe(speaker.sessionId);
  const audio = await recorder;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(dominantFrequency(audio.lastSeconds(1), audio.sampleRate), frequency);
}

/** Video publishers a proxy reports in its own metrics. */
async function publishersOn(proxy: ProxyProcess): Promise<number> {
  const match = /signaling_proxy_publishers\{type="video"\} (\d+)/.exec(await proxy.metrics());
  return Number(match?.[1] ?? 0);
}

async function welcomeFeatures(env: ProxyEnv): Promise<string[]> {
  const client = await TestClient.connect(env.sig.wsUrl);
  try {
    const welcome = await client.next('welcome');
    return (welcome.welcome as { features: string[] }).features;
  } finally {
    await client.close();
  }
}

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('mcu proxy - two Go proxies: publishers spread by load, a killed proxy is left, a restarted one used again', {
    timeout: 120_000,
  }, async () => {
    await using env = await startProxyEnv({ proxies: 2 });
    await env.proxiesConnected(2);
    const [p1, p2] = env.proxies as [ProxyProcess, ProxyProcess];
    env.dev.addUser('alice');
    env.dev.addUser('bob');
    env.dev.addUser('carol');
    env.dev.addUser('dave');
    env.dev.createRoom({ token: 'spread', owner: 'alice' });
    const alice = await env.peer('spread', 'alice');
    const bob = await env.peer('spread', 'bob');
    const carol = await env.peer('spread', 'carol');
    const dave = await env.peer('spread', 'dave');
    await alice.publish({ frequency: 440 });
    await bob.publish({ frequency: 550 });
    await carol.publish({ frequency: 660 });
    await dave.publish({ frequency: 770 });
    // Seen from the proxies: two publishers each.
    assert.deepEqual([await publishersOn(p1), await publishersOn(p2)], [2, 2]);
    await hears(bob, alice, 440);

    // The proxy with Alice's publisher dies mid-call.
    const sfu = env.sig.server.sfu;
    const aliceUrl = sfu.localPublisher(alice.sessionId, 'video')?.sfu;
    const [dead, alive] = aliceUrl === p1.url ? [p1, p2] : [p2, p1];
    assert.equal(aliceUrl, dead.url);
    await dead.kill('SIGKILL');
    // Its publishers and subscribers are closed on the server; the other proxy keeps its two.
    await waitUntil(() => sfu.streamCounts().publishers.video === 2, 10_000, 'publishers left');
    assert.equal(sfu.localPublisher(alice.sessionId, 'video'), undefined);
    assert.equal(sfu.connected, true);
    assert.ok(
      env.log.some((l) => l.includes('proxy unreachable') && l.includes(dead.url)),
      'log names the dead proxy',
    );
    // Alice's next offer lands on the remaining proxy, Bob hears her again.
    await alice.publish({ frequency: 880 });
    assert.equal(sfu.localPublisher(alice.sessionId, 'video')?.sfu, alive.url);
    assert.equal(await publishersOn(alive), 3);
    await hears(bob, alice, 880);

    // The last proxy dies: no SFU any more, as when Janus dies.
    await alive.kill('SIGKILL');
    await env.sfuConnected(false);
    await waitUntil(() => sfu.streamCounts().publishers.video === 0, 10_000, 'no publishers');
    assert.ok(!(await welcomeFeatures(env)).includes('mcu'));
    const id = await alice.offerOnly('video');
    assert.deepEqual((await alice.error(id)).error, {
      code: 'client_not_found',
      message: 'No MCU client found to send message to.',
    });

    // A proxy comes back: the server reconnects with a new session and uses it.
    await dead.restart();
    await env.sfuConnected(true, 30_000);
    assert.ok((await welcomeFeatures(env)).includes('mcu'));
    const eve = await (async () => {
      env.dev.addUser('eve');
      return env.peer('spread', 'eve');
    })();
    await eve.publish({ frequency: 990 });
    await hears(carol, eve, 990);
    assert.equal(await publishersOn(dead), 1);
  });
}
