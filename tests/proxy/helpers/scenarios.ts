// Call scenarios of our server with signaling proxies, run against each proxy program (Debian's
// Go proxy and our bin/proxy): the test files pick the launcher.
import assert from 'node:assert/strict';
import { waitUntil, welcomeFeatures } from '@spreed-ts/testkit';
import { dominantFrequency } from '../../sfu/helpers/audio.js';
import type { SfuPeer } from '../../sfu/helpers/sfu-peer.js';
import type { ProxyLauncher, ProxyProcess } from './go-proxy.js';
import { type ProxyEnv, startProxyEnv } from './proxy-env.js';

/** `listener` subscribes to `speaker`'s stream and hears `frequency` in it. */
export async function hears(
  listener: SfuPeer,
  speaker: SfuPeer,
  frequency: number,
  roomType = 'video',
): Promise<void> {
  const { recorder } = await listener.subscribe(speaker.sessionId, roomType);
  const audio = await recorder;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(dominantFrequency(audio.lastSeconds(1), audio.sampleRate), frequency);
}

/** Video publishers a proxy reports in its own metrics. */
export async function publishersOn(proxy: ProxyProcess): Promise<number> {
  const match = /signaling_proxy_publishers\{type="video"\} (\d+)/.exec(await proxy.metrics());
  return Number(match?.[1] ?? 0);
}

/** The sum of the loads the proxies last reported to the server. */
export function totalLoad(env: ProxyEnv): number {
  const info = env.sig.server.sfu.serverInfo?.() as { proxies?: { load?: number }[] } | undefined;
  return (info?.proxies ?? []).reduce((sum, p) => sum + (p.load ?? 0), 0);
}

/** One proxy: two participants hear each other, a screen share is heard too; metrics agree. */
export async function audioBothWaysAndScreen(launcher: ProxyLauncher): Promise<void> {
  await using env = await startProxyEnv({ launcher });
  await env.sfuConnected(true);
  env.dev.addUser('alice');
  env.dev.addUser('bob');
  env.dev.createRoom({ token: 'proxied', owner: 'alice' });
  const alice = await env.peer('proxied', 'alice');
  const bob = await env.peer('proxied', 'bob');
  assert.ok(alice.helloFeatures.includes('mcu'), `features: ${alice.helloFeatures}`);

  await alice.publish({ frequency: 440 });
  await bob.publish({ frequency: 660 });
  await hears(bob, alice, 440);
  await hears(alice, bob, 660);
  await alice.publish({ roomType: 'screen', frequency: 880 });
  await hears(bob, alice, 880, 'screen');

  // The proxy has the publishers and subscribers (its own metrics), the server shows the proxy.
  const metrics = await (env.proxies[0] ?? assert.fail('no proxy')).metrics();
  assert.match(metrics, /signaling_proxy_publishers\{type="video"\} 2/);
  assert.match(metrics, /signaling_proxy_publishers\{type="screen"\} 1/);
  const info = env.sig.server.sfu.serverInfo?.() as { mode: string; proxies: unknown[] };
  assert.equal(info.mode, 'proxy');
  assert.equal(info.proxies.length, 1);
  assert.deepEqual(env.sig.server.sfu.streamCounts().publishers, { video: 2, screen: 1 });
  // Upstream's proxy metrics on our side.
  const ours = env.sig.server.metrics.registry.render();
  assert.match(ours, /signaling_mcu_backend_connections\{country=""\} 1/);
  assert.ok(ours.includes(`signaling_mcu_backend_load{url="${env.proxies[0]?.url}"}`));
  assert.match(ours, /signaling_mcu_publishers\{type="screen"\} 1/);
}

/**
 * Two proxies with two Janus: four publishers spread two and two by load; the proxy with Alice's
 * publisher is killed by PID (her streams close, her next publish lands on the other proxy); the
 * last one killed (no SFU); one restarted and used again.
 */
export async function spreadKillRestart(launcher: ProxyLauncher): Promise<void> {
  await using env = await startProxyEnv({ proxies: 2, launcher });
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
  // Each publish waits for the proxies' next load report (once a second, as upstream), so the
  // next publisher is placed by the current loads rather than by stale ones.
  for (const [peer, frequency] of [
    [alice, 440],
    [bob, 550],
    [carol, 660],
    [dave, 770],
  ] as const) {
    const before = totalLoad(env);
    await peer.publish({ frequency });
    await waitUntil(() => totalLoad(env) > before, 10_000, 'load reported by the proxies');
  }
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
  assert.ok(!(await welcomeFeatures(env.sig.wsUrl)).includes('mcu'));
  const id = await alice.offerOnly('video');
  assert.deepEqual((await alice.error(id)).error, {
    code: 'client_not_found',
    message: 'No MCU client found to send message to.',
  });

  // A proxy comes back: the server reconnects with a new session and uses it.
  await dead.restart();
  await env.sfuConnected(true, 30_000);
  assert.ok((await welcomeFeatures(env.sig.wsUrl)).includes('mcu'));
  const eve = await (async () => {
    env.dev.addUser('eve');
    return env.peer('spread', 'eve');
  })();
  await eve.publish({ frequency: 990 });
  await hears(carol, eve, 990);
  assert.equal(await publishersOn(dead), 1);
}
