import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns, waitUntil, welcomeFeatures } from '@spreed-ts/testkit';
import { dominantFrequency } from './helpers/audio.js';
import { type SfuEnv, startSfuEnv } from './helpers/sfu-env.js';

/** Whether the server's connection to its (single) proxy has a session. */
function proxyConnected(env: SfuEnv): boolean {
  const info = env.sig.server.sfu.serverInfo?.() as
    | { proxies?: { connected: boolean }[] }
    | undefined;
  return info?.proxies?.[0]?.connected === true;
}

// `[mcu] type = proxy` with our proxy; see sfu-janus-restart.test.ts for Janus dying behind a
// proxy that stays up. Runs in a private network namespace like the other SFU tests.
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('sfu proxy backend - a proxy that starts while its Janus is away is not used until Janus is back', {
    timeout: 90_000,
  }, async () => {
    await using env = await startSfuEnv({ mode: 'proxy' });
    const proxy = env.proxy;
    assert.ok(proxy !== undefined);
    env.dev.addUser('alice');
    env.dev.addUser('bob');
    env.dev.createRoom({ token: 'backend', owner: 'alice' });
    const alice = await env.peer('backend', 'alice');
    const bob = await env.peer('backend', 'bob');

    await env.janus.kill('SIGKILL');
    await env.sfuConnected(false);
    // The proxy restarts while Janus is still away: the server's resume is refused, it registers
    // a new session, and the proxy says right after its hello that it has no Janus.
    await proxy.kill();
    await waitUntil(() => !proxyConnected(env), 10_000, 'proxy connection lost');
    await proxy.restart();
    await waitUntil(() => proxyConnected(env), 30_000, 'proxy session again');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(env.sig.server.sfu.connected, false, 'a proxy without Janus is no SFU');
    assert.ok(!(await welcomeFeatures(env.sig.wsUrl)).includes('mcu'));
    const id = await alice.offerOnly('video');
    assert.deepEqual((await alice.error(id)).error, {
      code: 'client_not_found',
      message: 'No MCU client found to send message to.',
    });

    // Janus is back: the proxy connects to it and tells the server (`backend-connected`).
    await env.janus.restart();
    await env.sfuConnected(true, 30_000);
    assert.ok((await welcomeFeatures(env.sig.wsUrl)).includes('mcu'));
    await alice.publish({ frequency: 770 });
    const { recorder } = await bob.subscribe(alice.sessionId);
    const audio = await recorder;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(dominantFrequency(audio.lastSeconds(1), audio.sampleRate), 770);
  });
}
