import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insideTestNetns, runInTestNetns } from '@spreed-ts/testkit';
import { isEvent } from '../server/helpers/talk-steps.js';
import { callAcrossServers } from '../sfu/helpers/cluster-call.js';
import { hearsWithin, SILENCE_RMS, silentWithin } from '../sfu/helpers/hearing.js';
import { GO_PROXY } from './helpers/go-proxy.js';
import { type ProxyClusterEnv, startProxyClusterEnv } from './helpers/proxy-cluster-env.js';

const REMOTE_VIDEO = 'signaling_mcu_remote_subscribers{type="video"}';

/** Waits (bounded) until server `i` lists exactly `count` temporary proxy connections. */
async function temporaryConnections(
  env: ProxyClusterEnv,
  i: number,
  count: number,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const temporary = (await env.proxyStats(i)).filter((p) => p.temporary === true);
    if (temporary.length === count) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`server ${i}: temporary connections ${JSON.stringify(temporary)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Alice joins `room` on server 0 and Bob on server 1; both publish (440 Hz, 660 Hz), subscribe to
 * each other across the servers and hear each other.
 */
async function aliceAndBobHearEachOther(env: ProxyClusterEnv, room: string) {
  const [alice, bob] = await callAcrossServers(env, room, [
    ['alice', 0],
    ['bob', 1],
  ]);
  await Promise.all([alice.publish({ frequency: 440 }), bob.publish({ frequency: 660 })]);
  const [aliceHearsBob, bobHearsAlice] = await Promise.all([
    alice.subscribe(bob.sessionId),
    bob.subscribe(alice.sessionId),
  ]);
  assert.equal(await hearsWithin(aliceHearsBob, 660), 660);
  assert.equal(await hearsWithin(bobHearsAlice, 440), 440);
  return [alice, bob] as const;
}

// Janus ignores loopback interfaces for ICE: this file runs itself again in a private network
// namespace (see packages/testkit/src/netns.ts); servers, proxies and nats-server run there too.
if (!insideTestNetns()) {
  await runInTestNetns(import.meta.url);
} else {
  test('cluster proxy - two servers on one proxy hear each other across servers', {
    timeout: 60_000,
  }, async () => {
    await using env = await startProxyClusterEnv({ servers: 2, proxies: 1 });
    await aliceAndBobHearEachOther(env, 'shared-proxy');
    for (const i of [0, 1]) {
      assert.equal(await env.metric(i, REMOTE_VIDEO), 1, `server ${i}`);
      assert.ok(
        (await env.metric(i, 'signaling_mcu_publisher_lookups_total{result="found"}')) >= 1,
        `server ${i} found the other's publisher`,
      );
      // Both servers have their own connection to the proxy: no temporary one.
      const stats = await env.proxyStats(i);
      assert.deepEqual(
        stats.map((p) => ({ url: p.url, temporary: p.temporary, clients: p.clients })),
        [{ url: env.proxies[0]?.url, temporary: false, clients: 2 }],
        `server ${i}`,
      );
    }
  });

  test('cluster proxy - servers with different proxies subscribe over temporary connections; publisher gone, server killed', {
    timeout: 90_000,
  }, async (t) => {
    // Server i knows only proxy i, and proxy i accepts only server i's token: the other server
    // gets in with the token the publisher's server hands out in the lookup.
    await using env = await startProxyClusterEnv({
      servers: 2,
      proxies: 2,
      serverProxies: [[0], [1]],
      proxyTrusts: [[0], [1]],
    });
    const { dev, servers } = env.cluster;
    const [alice, carol, bob] = await callAcrossServers(env, 'two-proxies', [
      ['alice', 0],
      ['carol', 0],
      ['bob', 1],
    ]);
    await Promise.all([alice.publish({ frequency: 440 }), bob.publish({ frequency: 660 })]);
    const [bobHearsAlice, aliceHearsBob, carolHearsBob] = await Promise.all([
      bob.subscribe(alice.sessionId),
      alice.subscribe(bob.sessionId),
      carol.subscribe(bob.sessionId),
    ]);
    assert.equal(await hearsWithin(bobHearsAlice, 440), 440);
    assert.equal(await hearsWithin(aliceHearsBob, 660), 660);
    assert.equal(await hearsWithin(carolHearsBob, 660), 660);
    assert.equal(await env.metric(0, REMOTE_VIDEO), 2);
    assert.equal(await env.metric(1, REMOTE_VIDEO), 1);
    // Each server opened one temporary connection to the other's proxy; the two subscribers of
    // server 0 share it.
    const temporaryOf = async (i: number) =>
      (await env.proxyStats(i))
        .filter((p) => p.temporary === true)
        .map((p) => ({ url: p.url, connected: p.connected, clients: p.clients }));
    assert.deepEqual(await temporaryOf(0), [
      { url: env.proxies[1]?.url, connected: true, clients: 2 },
    ]);
    assert.deepEqual(await temporaryOf(1), [
      { url: env.proxies[0]?.url, connected: true, clients: 1 },
    ]);

    // Alice leaves the call: her publisher on proxy 0 closes, server 1 closes Bob's subscription
    // to it and its temporary connection to proxy 0; Bob is told she left the call and hears
    // nothing more from her.
    dev.setInCall(alice.talkSessionId, 0);
    const left = Date.now();
    await env.metricBecomes(1, REMOTE_VIDEO, 0, 5_000);
    t.diagnostic(
      `server 1 closed the subscription to Alice ${Date.now() - left} ms after she left`,
    );
    await temporaryConnections(env, 1, 0);
    const bobHearsNothing = await silentWithin(bobHearsAlice, 8_000);
    assert.ok(
      !bobHearsNothing.fresh || bobHearsNothing.rms < SILENCE_RMS,
      `Bob still hears Alice: ${JSON.stringify(bobHearsNothing)}`,
    );
    // Leaving the call closed Alice's own subscription: server 0 keeps Carol's.
    await env.metricBecomes(0, REMOTE_VIDEO, 1, 5_000);
    assert.deepEqual(await temporaryOf(0), [
      { url: env.proxies[1]?.url, connected: true, clients: 1 },
    ]);
    assert.equal(await hearsWithin(carolHearsBob, 660), 660);

    // Bob's server dies (his publisher lives on in proxy 1 for now): once the cluster gives the
    // server up, Carol's subscription to him ends, she is told he left, and server 0's temporary
    // connection to proxy 1 closes.
    const carolTold = carol.client.next(
      (f) =>
        isEvent('room', 'leave')(f) &&
        ((f.event as { leave?: string[] }).leave ?? []).includes(bob.sessionId),
      15_000,
    );
    const killed = Date.now();
    await servers[1]?.kill('SIGKILL');
    await env.metricBecomes(0, REMOTE_VIDEO, 0, 10_000);
    const closedAfter = Date.now() - killed;
    await carolTold;
    await temporaryConnections(env, 0, 0);
    // Heartbeats every second here ([nats] heartbeat = 1): given up after 4 s, swept each second.
    assert.ok(closedAfter < 8_000, `subscription closed ${closedAfter} ms after the SIGKILL`);
    t.diagnostic(`server 0 closed the subscription to Bob ${closedAfter} ms after the SIGKILL`);
    assert.match(
      servers[0]?.output() ?? '',
      /closing subscriber of a remote publisher.*server gone/,
    );
  });

  test('cluster proxy - the proxy of a temporary connection dies: its subscribers end', {
    timeout: 60_000,
  }, async (t) => {
    await using env = await startProxyClusterEnv({
      servers: 2,
      proxies: 2,
      serverProxies: [[0], [1]],
      proxyTrusts: [[0], [1]],
    });
    const [alice, bob] = await callAcrossServers(env, 'proxy-dies', [
      ['alice', 0],
      ['bob', 1],
    ]);
    await alice.publish({ frequency: 520 });
    const bobHearsAlice = await bob.subscribe(alice.sessionId);
    assert.equal(await hearsWithin(bobHearsAlice, 520), 520);
    await temporaryConnections(env, 1, 1);
    const killed = Date.now();
    await env.proxies[0]?.kill('SIGKILL');
    await env.metricBecomes(1, REMOTE_VIDEO, 0, 10_000);
    t.diagnostic(`server 1 closed the subscription ${Date.now() - killed} ms after the proxy died`);
    await temporaryConnections(env, 1, 0);
    assert.equal(await env.metric(1, 'signaling_mcu_subscribers{type="video"}'), 0);
    // Server 1's own proxy is untouched.
    assert.deepEqual(
      (await env.proxyStats(1)).map((p) => ({ url: p.url, connected: p.connected })),
      [{ url: env.proxies[1]?.url, connected: true }],
    );
  });

  test("cluster proxy - Debian's Go proxy 0.4.1 behind servers with different proxies", {
    timeout: 60_000,
  }, async () => {
    // Only our servers take part in the cross-server subscription: the Go proxy just sees a
    // second session (with server 0's token) asking for a subscriber to a publisher it has.
    await using env = await startProxyClusterEnv({
      servers: 2,
      proxies: 2,
      serverProxies: [[0], [1]],
      proxyTrusts: [[0], [1]],
      launcher: GO_PROXY,
    });
    const [alice] = await aliceAndBobHearEachOther(env, 'go-proxies');
    await temporaryConnections(env, 0, 1);
    await temporaryConnections(env, 1, 1);
    // Alice leaves the call: server 1's subscription to her and its temporary connection end.
    env.cluster.dev.setInCall(alice.talkSessionId, 0);
    await env.metricBecomes(1, REMOTE_VIDEO, 0, 5_000);
    await temporaryConnections(env, 1, 0);
    // Leaving the call also closed her own subscription to Bob, the only one on server 0's
    // temporary connection to proxy 1.
    await env.metricBecomes(0, REMOTE_VIDEO, 0, 5_000);
    await temporaryConnections(env, 0, 0);
  });
}
