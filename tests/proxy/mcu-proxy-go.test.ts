import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { dominantFrequency } from '../sfu/helpers/audio.js';
import type { SfuPeer } from '../sfu/helpers/sfu-peer.js';
import { startProxyEnv } from './helpers/proxy-env.js';

/** `listener` subscribes to `speaker`'s stream and hears `frequency` in it. */
async function hears(
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

if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('mcu proxy - our server and the Go proxy 0.4.1: two participants hear each other, screen too', {
    timeout: 90_000,
  }, async () => {
    await using env = await startProxyEnv();
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
  });
}
