import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DevBackend } from '@spreed-ts/devbackend';
import { eventually, insideTestNetns, runInTestNetns, startJanus } from '@spreed-ts/testkit';
import { dominantFrequency } from '../sfu/helpers/audio.js';
import { startGoServer } from './helpers/go-server.js';
import { startOurProxy } from './helpers/our-proxy.js';

async function stats(url: string): Promise<{ sessions: number; mcu: { connected: boolean } }> {
  const res = await fetch(`${url}stats`);
  return (await res.json()) as { sessions: number; mcu: { connected: boolean } };
}

/** The value of one sample line of a Prometheus exposition. */
function sample(metrics: string, series: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

// Janus gathers ICE candidates only off loopback: this file runs itself again in a private network
// namespace (see packages/testkit/src/netns.ts), with every process of the call inside it.
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('proxy server go - Debian Go server 0.4.1 publishes two peers through our proxy, each hears the other', {
    timeout: 90_000,
  }, async () => {
    await using janus = await startJanus();
    await using proxy = await startOurProxy({ janusUrl: janus.url });
    await eventually(
      async () => (await stats(proxy.url)).mcu.connected,
      'proxy connected to Janus',
    );
    const dev = new DevBackend();
    await dev.start();
    try {
      dev.addUser('alice');
      dev.addUser('bob');
      dev.createRoom({ token: 'proxycall', owner: 'alice' });
      await using go = await startGoServer({
        dev,
        proxyUrl: proxy.url,
        tokenId: proxy.tokenId,
        tokenKeyPath: proxy.privateKeyPath,
      });
      // The Go server's hello with its RS256 token made a session on our proxy.
      await eventually(async () => (await stats(proxy.url)).sessions === 1, 'Go server session');
      const alice = await go.peer('proxycall', 'alice');
      const bob = await go.peer('proxycall', 'bob');
      assert.ok(alice.helloFeatures.includes('mcu'), `features: ${alice.helloFeatures}`);
      // Debian's 0.4.1 answers a `video` publish with not_allowed "Not allowed to publish." before
      // it asks the proxy (its packaging bug), so the peers publish their audio as `screen`.
      const roomType = 'screen';
      await Promise.all([
        alice.publish({ frequency: 660, roomType }),
        bob.publish({ frequency: 1_000, roomType }),
      ]);
      const [fromBob, fromAlice] = await Promise.all([
        alice.subscribe(bob.sessionId, roomType),
        bob.subscribe(alice.sessionId, roomType),
      ]);
      const [atAlice, atBob] = await Promise.all([fromBob.recorder, fromAlice.recorder]);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      assert.equal(dominantFrequency(atAlice.lastSeconds(1), atAlice.sampleRate), 1_000);
      assert.equal(dominantFrequency(atBob.lastSeconds(1), atBob.sampleRate), 660);

      // Our proxy's metrics show the call's two publishers and two subscribers.
      const metrics = await (await fetch(`${proxy.url}metrics`)).text();
      assert.equal(sample(metrics, `signaling_proxy_publishers{type="${roomType}"}`), 2);
      assert.equal(sample(metrics, `signaling_proxy_subscribers{type="${roomType}"}`), 2);
      assert.equal(sample(metrics, `signaling_mcu_publishers{type="${roomType}"}`), 2);
      assert.equal(sample(metrics, `signaling_mcu_subscribers{type="${roomType}"}`), 2);
      assert.equal(sample(metrics, 'signaling_proxy_sessions'), 1);
      assert.ok((sample(metrics, 'signaling_proxy_load') ?? 0) >= 1);
      assert.ok(
        (sample(metrics, 'signaling_proxy_payload_messages_total{type="offer"}') ?? 0) >= 2,
        metrics,
      );
    } finally {
      await dev.close();
    }
  });
}
